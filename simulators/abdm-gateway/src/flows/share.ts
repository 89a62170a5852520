import { object, text } from '../check.ts';
import type { Route } from '../core.ts';
import { AbdmError } from '../errors.ts';

/**
 * Scan & Share: the patient scans the facility's counter QR in a PHR app, the gateway sends the
 * profile to the HIP (simulator.ts: shareProfile), and the HIP answers with a queue token here.
 */
export const shareRoutes: Record<string, Route> = {
  'POST /patient-share/v3/on-share': {
    needs: 'HIP',
    callback: true,
    duplicate: 'duplicatePatientShare',
    async handle(call) {
      const body = object(call.body, 'body');
      if (body.error === undefined) {
        const ack = object(body.acknowledgement, 'acknowledgement');
        if (ack.status !== 'SUCCESS' && ack.status !== 'FAILED') throw new AbdmError('invalidBody', 'acknowledgement.status');
        if (ack.abhaAddress !== call.answering?.context.abhaAddress) throw new AbdmError('invalidBody', 'acknowledgement.abhaAddress');
        if (ack.status === 'SUCCESS') {
          const profile = object(ack.profile, 'acknowledgement.profile');
          if (profile.context !== call.answering?.context.context) throw new AbdmError('invalidBody', 'acknowledgement.profile.context');
          text(String(profile.tokenNumber ?? ''), 'acknowledgement.profile.tokenNumber');
        }
      }
      return { status: 202 };
    },
  },
};
