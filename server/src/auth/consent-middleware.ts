import type { NextFunction, Request, Response } from 'express';
import { writeAudit } from '../audit/log.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { forbiddenOutcome, outcome } from '../http/outcomes.ts';
import { accessControlFor, type Principal } from './access.ts';
import type { RequestAuth } from './bearer.ts';
import type { ConsentRules } from './consent.ts';
import type { AuthService } from './service.ts';

/** Header a clinician sends to override a patient's Consent in an emergency: its value is the reason. */
export const BREAK_GLASS_HEADER = 'x-break-glass';
const PURPOSE_HEADER = 'x-purpose-of-use';

/**
 * Applies patients' Consents to the request: resources of patients who refused this actor (for
 * this purpose, for these data types) drop out of every read, search and write. Break-the-glass
 * lifts that for roles allowed to, with a reason, and is audited as a security alert.
 */
export function consentMiddleware(auth: AuthService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const who = res.locals.auth as RequestAuth;
    const p = who.principal;
    const reason = req.get(BREAK_GLASS_HEADER)?.trim();
    if (reason !== undefined) {
      if (!p.userId || !who.access.breakGlass) {
        return sendFhir(res, 403, forbiddenOutcome('Break-the-glass access is not available to this role'));
      }
      if (reason.length < 5)
        return sendFhir(res, 400, outcome('bad-request', 'required', 'Break-the-glass needs a reason (X-Break-Glass: <reason>)'));
      await writeAudit(auth.db, {
        tenantId: p.tenantId,
        userId: p.userId,
        fhirUser: who.token.fhirUser,
        clientId: p.clientId,
        ip: req.ip,
        userAgent: req.get('user-agent'),
        requestId: res.locals.requestId,
        kind: 'break-glass',
        resource: req.path,
        purpose: reason,
        detail: `${req.method} ${req.originalUrl}`,
      });
      return next();
    }
    await applyConsents(auth, who, req.get(PURPOSE_HEADER)?.trim());
    next();
  };
}

/** Narrows the caller's access by the Consents of patients who refused it (for this purpose). */
export async function applyConsents(auth: AuthService, who: RequestAuth, purposeOfUse?: string): Promise<void> {
  if (await narrowByConsents(auth.consents, who.principal, purposeOfUse)) who.access = accessControlFor(who.principal);
}

/** Sets the principal's consent denials; true when there are any (its access must then be rebuilt). */
export async function narrowByConsents(consents: ConsentRules, p: Principal, purposeOfUse?: string): Promise<boolean> {
  const references = [...p.branchIds.map((b) => `Organization/${b}`), `Device/${p.clientId}`];
  if (p.practitionerId) references.push(`Practitioner/${p.practitionerId}`);
  const purpose = purposeOfUse || (p.role === 'accountant' ? 'HPAYMT' : 'TREAT');
  const denials = await consents.denials(p.tenantId, { references, purpose });
  if (denials.length === 0) return false;
  p.consentDenials = denials;
  return true;
}
