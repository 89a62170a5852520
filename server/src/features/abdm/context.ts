import { writeAudit } from '../../audit/log.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { PostgresRepository } from '../../repo/postgres-repository.ts';
import type { AbhaService } from './abha/service.ts';
import type { ArtefactSignatures } from './gateway/artefact-signature.ts';
import { AbdmGatewayError, type GatewayClient } from './gateway/client.ts';

/** What the ABDM handlers share: configuration, database, the gateway client and the artefact check. */
export interface AbdmContext {
  config: Config;
  db: Database;
  logger: Logger;
  gateway: GatewayClient;
  signatures: ArtefactSignatures;
  /** The ABHA service (M1), when ABDM_ABHA_URL is set. */
  abha?: AbhaService;
}

/** The job queue the gateway's calls are worked in (docs/jobs.md). */
export const ABDM_QUEUE_NAME = 'abdm';

/** The OAuth-client id our ABDM work is audited under. */
export const ABDM_ACTOR = 'abdm-gateway';

/** A repository for the one tenant that runs the HIP/HIU the gateway named, acting as the bridge. */
export function tenantRepository(ctx: AbdmContext, tenantId: string, requestId?: string): PostgresRepository {
  return new PostgresRepository({
    db: ctx.db,
    tenant: { tenantId },
    baseUrl: ctx.config.baseUrl,
    updateCreate: false,
    audit: ctx.config.AUDIT_ENABLED ? { tenantId, clientId: ABDM_ACTOR, requestId } : undefined,
  });
}

/** A refusal or disclosure, recorded under the tenant whatever the data transaction did. */
export async function auditAbdm(
  ctx: AbdmContext,
  input: { tenantId: string; requestId?: string; outcome: '0' | '4'; detail: string; patient?: string; resource?: string },
): Promise<void> {
  await writeAudit(ctx.db, {
    tenantId: input.tenantId,
    clientId: ABDM_ACTOR,
    requestId: input.requestId,
    kind: input.outcome === '0' ? 'export' : 'operation',
    outcome: input.outcome,
    detail: input.detail,
    patient: input.patient,
    resource: input.resource,
  });
}

/** An ABDM error body, as callbacks carry it. */
export interface AbdmErrorBody {
  code: string;
  message: string;
}

/** Why we refuse a gateway request, with the ABDM code the callback carries and our own sentence for the audit log. */
export class AbdmRefusal extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
  body(): AbdmErrorBody {
    return { code: this.code, message: this.message };
  }
}

/**
 * An `on-*` callback or notify to the gateway. A refusal (4xx) will not get better by retrying, so
 * it is logged and the job ends; an unreachable gateway or a 5xx throws, and the job is retried.
 */
export async function callGateway(
  ctx: AbdmContext,
  path: string,
  body: unknown,
  headers: { hipId?: string; hiuId?: string },
): Promise<boolean> {
  try {
    await ctx.gateway.post(path, body, headers);
    return true;
  } catch (err) {
    if (err instanceof AbdmGatewayError && err.status >= 400 && err.status < 500) {
      ctx.logger.warn({ path, status: err.status, code: err.code, reason: err.message }, 'ABDM gateway refused our callback');
      return false;
    }
    throw err;
  }
}
