import type { Request } from 'express';
import type { AuthEvents } from '../auth/service.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { AuditInput } from './event.ts';
import { writeAudit } from './log.ts';

function fromRequest(req: Request): Pick<AuditInput, 'ip' | 'userAgent' | 'requestId'> {
  return { ip: req.ip, userAgent: req.get('user-agent'), requestId: req.res?.locals.requestId };
}

/**
 * Sign-in and token events as AuditEvents. A failure to audit is logged, not thrown: the user's
 * sign-in already happened (or failed) and answering 500 would not undo it.
 */
export function auditedAuthEvents(db: Database, logger: Logger): AuthEvents {
  const write = async (input: AuditInput) => {
    try {
      await writeAudit(db, input);
    } catch (err) {
      logger.error({ err, kind: input.kind, tenant: input.tenantId }, 'audit write failed');
    }
  };
  return {
    login: (req, user, clientId, method) =>
      write({
        ...fromRequest(req),
        tenantId: user.tenant_id,
        userId: user.id,
        clientId,
        kind: 'login',
        detail: `Signed in with ${method}`,
      }),
    loginFailed: (req, user, clientId, method) =>
      write({
        ...fromRequest(req),
        tenantId: user.tenant_id,
        userId: user.id,
        clientId,
        kind: 'login-failed',
        outcome: '4',
        detail: `Failed ${method} sign-in`,
      }),
    logout: (req, user) => write({ ...fromRequest(req), tenantId: user.tenant_id, userId: user.id, kind: 'logout' }),
    tokenIssued: (req, t) =>
      write({
        ...fromRequest(req),
        tenantId: t.tenantId,
        userId: t.userId,
        clientId: t.clientId,
        kind: 'token',
        detail: `${t.grant}: ${t.scope}`,
      }),
  };
}
