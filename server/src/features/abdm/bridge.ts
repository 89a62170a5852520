import express, { type Request, type Response } from 'express';
import type { SmsSender } from '../../auth/sms.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { outcome } from '../../http/outcomes.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { Logger } from '../../logger.ts';
import { AbhaService } from './abha/service.ts';
import { ABDM_QUEUE_NAME, type AbdmContext, auditAbdm } from './context.ts';
import { ArtefactSignatures } from './gateway/artefact-signature.ts';
import { GatewayClient } from './gateway/client.ts';
import { type GatewayCall, verifyGatewayCalls } from './gateway/verify.ts';
import { applyEnd, handleConsentNotify, type NotifyJob } from './hip/consent.ts';
import { type CallJob, handleDiscover, handleLinkConfirm, handleLinkInit } from './hip/discovery.ts';
import { type HiRequestJob, handleHiRequest } from './hip/health-information.ts';
import { type CallbackJob, handleLink, handleLinkResult, handleLinkToken, type LinkJob } from './hip/linking.ts';
import { handleProfileShare } from './hip/share.ts';
import {
  eraseExpired,
  type HiuCallJob,
  handleHiuNotify,
  handleHiuOnRequest,
  handleOnFetch,
  handleOnInit,
  handlePush,
  type PushJob,
  transferForPushKey,
} from './hiu/index.ts';
import { setAbdmRuntime } from './runtime.ts';
import { type ServiceType, tenantForService } from './services.ts';

/** The schedule that erases received records past their consent's dataEraseAt. */
const ERASE_SCHEDULE = 'abdm-data-erase';

/** A gateway call as queued: who it is for, and its body as the text that arrived. */
interface QueuedCall {
  tenantId: string;
  /** The HIP or HIU id the call named (both fields hold it; handlers read the one they serve). */
  hipId: string;
  hiuId: string;
  requestId: string;
  raw: string;
}

export interface AbdmBridgeDeps {
  config: Config;
  db: Database;
  logger: Logger;
  jobs?: JobQueue;
  /** Where link OTPs go (the auth service's SMS sender). */
  sms: SmsSender;
}

export interface AbdmBridge {
  /** Mounted at /api/v3: the paths the gateway calls on a bridge. */
  router: express.Router;
  context: AbdmContext;
}

const send = (res: Response, status: number, code: string, text: string) =>
  res
    .status(status)
    .type('application/fhir+json')
    .json(outcome(String(status), code, text));

/**
 * The ABDM bridge: every gateway call is verified first (token, REQUEST-ID, TIMESTAMP, replay),
 * matched by X-HIP-ID to the one tenant that runs that HIP, answered 202 at once, and worked in a
 * job that makes the `on-*` callback. Undefined when ABDM is not configured (ABDM_GATEWAY_URL).
 */
export function abdmBridge({ config, db, logger, jobs, sms }: AbdmBridgeDeps): AbdmBridge | undefined {
  if (!config.ABDM_GATEWAY_URL || !config.ABDM_CLIENT_ID || !config.ABDM_CLIENT_SECRET) return undefined;
  const base = config.ABDM_GATEWAY_URL.replace(/\/+$/, '');
  const gateway = new GatewayClient({
    baseUrl: base,
    clientId: config.ABDM_CLIENT_ID,
    clientSecret: config.ABDM_CLIENT_SECRET,
    cmId: config.ABDM_CM_ID,
  });
  const context: AbdmContext = {
    config,
    db,
    logger,
    gateway,
    signatures: new ArtefactSignatures(`${base}/gateway/v3/certs`),
    abha: config.ABDM_ABHA_URL ? new AbhaService(gateway, config.ABDM_ABHA_URL) : undefined,
  };

  const tenantOf = async (id: string | undefined, type: ServiceType): Promise<string | undefined> => {
    if (!id) return undefined;
    const mapped = await tenantForService(db, id, type);
    if (mapped) return mapped;
    return id === config.ABDM_HIP_ID ? config.TENANT_ID : undefined;
  };

  const router = express.Router();
  // The HIP's data push: no gateway token (HIPs post straight to the HIU), so it is proven by the
  // secret in the URL we handed out with the data request; it comes before the gateway check.
  router.post('/hiu/data-push/:key', express.json({ limit: config.MAX_BODY_SIZE }), (req: Request, res: Response) => {
    (async () => {
      const transfer = /^[A-Za-z0-9_-]{43}$/.test(String(req.params.key))
        ? await transferForPushKey(context, String(req.params.key))
        : undefined;
      if (!transfer) return send(res, 404, 'not-found', 'No data transfer is waiting at this address.');
      if (!jobs) return send(res, 503, 'transient', 'ABDM work cannot be queued on this server just now.');
      const b = req.body as { transactionId?: unknown; pageNumber?: unknown; entries?: unknown };
      if (typeof b?.transactionId !== 'string' || !Number.isInteger(b.pageNumber) || !Array.isArray(b.entries))
        return send(res, 400, 'structure', 'A push carries transactionId, pageNumber and entries.');
      const data: PushJob = { tenantId: transfer.tenantId, hiuId: transfer.hiuId, hiRequestId: transfer.hiRequestId, body: req.body };
      await jobs.add(ABDM_QUEUE_NAME, 'hiu-push', data, {
        jobId: `abdm-push-${transfer.hiRequestId}-${String(b.pageNumber)}`,
        attempts: 5,
        backoffMs: 2000,
      });
      res.status(202).end();
    })().catch((err: unknown) => {
      logger.error({ err: { message: (err as Error).message } }, 'ABDM data push could not be taken');
      if (!res.headersSent) send(res, 500, 'exception', 'The push could not be recorded now; send it again.');
    });
  });
  router.use(
    verifyGatewayCalls({
      jwksUrl: `${base}/gateway/v3/certs`,
      db,
      logger,
      gatewayClientId: config.ABDM_GATEWAY_CLIENT_ID,
      // Audited under the tenant the call names, when it names one of ours (the header is unproven, so only for the record).
      async onRefusal({ req, status, reason }) {
        const tenantId = (await tenantOf(req.get('x-hip-id'), 'HIP')) ?? (await tenantOf(req.get('x-hiu-id'), 'HIU'));
        if (!tenantId) return;
        await auditAbdm(context, {
          tenantId,
          requestId: req.get('request-id') ?? undefined,
          outcome: '4',
          detail: `ABDM gateway call ${req.path} refused (${status} ${reason}).`,
        });
      },
    }),
  );
  // The raw text goes into the job: a jsonb round trip reorders keys, and the artefact's signature is over the text as sent.
  router.use(
    express.json({
      limit: config.MAX_BODY_SIZE,
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: string }).rawBody = buf.toString('utf8');
      },
    }),
  );

  /** A gateway route: the tenant running the named HIP/HIU is found, `before` runs (what must take effect at once), the job is queued, 202. */
  const serviceRoute =
    (type: ServiceType, name: string, before?: (job: NotifyJob) => Promise<void>) => async (req: Request, res: Response) => {
      const call = res.locals.abdmCall as GatewayCall;
      if (!jobs) return send(res, 503, 'transient', 'ABDM work cannot be queued on this server just now.');
      const serviceId = type === 'HIP' ? call.hipId : call.hiuId;
      const tenantId = await tenantOf(serviceId, type);
      if (!tenantId || !serviceId) {
        logger.warn({ serviceId, type, path: req.path }, 'ABDM call for a HIP/HIU this server does not run');
        return send(res, 404, 'not-found', `This server runs no ${type} with the id in X-${type}-ID.`);
      }
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body))
        return send(res, 400, 'structure', 'The body must be a JSON object.');
      await before?.({ tenantId, hipId: serviceId, requestId: call.requestId, body: req.body });
      const raw = (req as Request & { rawBody?: string }).rawBody ?? JSON.stringify(req.body);
      const queued: QueuedCall = { tenantId, hipId: serviceId, hiuId: serviceId, requestId: call.requestId, raw };
      await jobs.add(ABDM_QUEUE_NAME, name, queued, { jobId: `abdm-${call.requestId.toLowerCase()}`, attempts: 5, backoffMs: 2000 });
      res.status(202).end();
    };
  const hipRoute = (name: string, before?: (job: NotifyJob) => Promise<void>) => serviceRoute('HIP', name, before);
  const hiuRoute = (name: string) => serviceRoute('HIU', name);
  const safe = (handler: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response) => {
    handler(req, res).catch((err: unknown) => {
      logger.error({ err: { message: (err as Error).message }, path: req.path }, 'ABDM call could not be taken');
      if (!res.headersSent) send(res, 500, 'exception', 'The call could not be recorded now; the gateway may deliver it again.');
    });
  };
  router.post('/consent/request/hip/notify', safe(hipRoute('hip-consent-notify', (job) => applyEnd(context, job))));
  router.post('/hip/health-information/request', safe(hipRoute('hip-health-information-request')));
  router.post('/hip/token/on-generate-token', safe(hipRoute('hip-on-generate-token')));
  router.post('/hip/patient/care-context/discover', safe(hipRoute('hip-discover')));
  router.post('/hiu/consent/request/on-init', safe(hiuRoute('hiu-on-init')));
  router.post('/hiu/consent/request/notify', safe(hiuRoute('hiu-notify')));
  router.post('/hiu/consent/on-fetch', safe(hiuRoute('hiu-on-fetch')));
  router.post('/hiu/health-information/on-request', safe(hiuRoute('hiu-on-request')));
  router.post('/hip/link/care-context/init', safe(hipRoute('hip-link-init')));
  router.post('/hip/link/care-context/confirm', safe(hipRoute('hip-link-confirm')));
  router.post('/link/on_carecontext', safe(hipRoute('hip-on-carecontext')));
  router.post('/hip/patient/share', safe(hipRoute('hip-profile-share')));

  if (jobs) {
    setAbdmRuntime(db, { context, jobs });
    // Received records are erased when their consent's dataEraseAt passes (hiu/index.ts).
    jobs.schedule({ name: ERASE_SCHEDULE, queue: ABDM_QUEUE_NAME, cron: '*/15 * * * *' }).catch((err: unknown) => {
      logger.error({ err: { message: (err as Error).message } }, 'the ABDM erasure schedule could not be registered');
    });
  }
  jobs?.work(
    ABDM_QUEUE_NAME,
    async (job) => {
      if (job.name === ERASE_SCHEDULE) {
        await eraseExpired(context);
        return;
      }
      const { raw, ...call } = job.data as QueuedCall;
      const body = typeof raw === 'string' ? JSON.parse(raw) : undefined;
      const enqueue = async (link: LinkJob) => {
        await jobs.add(ABDM_QUEUE_NAME, 'hip-link-care-context', link, {
          jobId: `abdm-link-${link.tenantId}-${link.encounterId}-${job.id}`,
        });
      };
      if (job.name === 'hip-link-care-context') await handleLink(context, job.data as LinkJob);
      else if (job.name === 'hip-consent-notify') await handleConsentNotify(context, { ...call, body } as NotifyJob);
      else if (job.name === 'hip-health-information-request') await handleHiRequest(context, { ...call, body } as HiRequestJob);
      else if (job.name === 'hip-on-generate-token') await handleLinkToken(context, { ...call, body } as CallbackJob, enqueue);
      else if (job.name === 'hip-on-carecontext') await handleLinkResult(context, { ...call, body } as CallbackJob);
      else if (job.name === 'hiu-on-init') await handleOnInit(context, { ...call, body } as HiuCallJob);
      else if (job.name === 'hiu-notify') await handleHiuNotify(context, { ...call, body } as HiuCallJob);
      else if (job.name === 'hiu-on-fetch') await handleOnFetch(context, { ...call, body } as HiuCallJob);
      else if (job.name === 'hiu-on-request') await handleHiuOnRequest(context, { ...call, body } as HiuCallJob);
      else if (job.name === 'hiu-push') await handlePush(context, job.data as PushJob);
      else if (job.name === 'hip-discover') await handleDiscover(context, { ...call, body } as CallJob);
      else if (job.name === 'hip-link-init') await handleLinkInit(context, { ...call, body } as CallJob, sms);
      else if (job.name === 'hip-link-confirm') await handleLinkConfirm(context, { ...call, body } as CallJob);
      else if (job.name === 'hip-profile-share') await handleProfileShare(context, { ...call, body } as CallJob);
      else throw new Error(`no ABDM handler for ${job.name}`);
    },
    { concurrency: 2 },
  );
  return { router, context };
}
