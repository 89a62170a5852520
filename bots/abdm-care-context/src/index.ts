import type { BotHandler } from '../../contract.ts';

/**
 * A finished OPD visit or hospital stay is offered to the patient's ABHA address as a care context. The bot holds
 * no ABDM credentials: it calls `Encounter/[id]/$abdm-link` on the FHIR API, and the server does
 * the gateway work in its own job (docs/abdm.md). The operation is idempotent (a linked visit is
 * not sent again), so a redelivered event is harmless. A patient without an ABHA address, or a
 * server without ABDM, answers 400: nothing to link, not a failure to retry.
 */
const abdmCareContext: BotHandler = async (medplum, input) => {
  const event = input.event;
  if (!event || event.action === 'delete' || event.resourceType !== 'Encounter') return;
  const encounter = await medplum.readVersion('Encounter', event.id, String(event.versionId));
  if (encounter.status !== 'finished' || !encounter.subject?.reference?.startsWith('Patient/')) return;
  try {
    await medplum.post(medplum.fhirUrl('Encounter', event.id, '$abdm-link'), { resourceType: 'Parameters' });
  } catch (err) {
    // 400 (issue code `invalid`): no ABHA address, or ABDM not set up here. Anything else is retried.
    const issue = (err as { outcome?: { issue?: { code?: string }[] } }).outcome?.issue?.[0];
    if (issue?.code === 'invalid') return;
    throw err;
  }
};
export default abdmCareContext;
