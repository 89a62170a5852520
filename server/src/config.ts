import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Server configuration, read from the environment once at start and validated with zod so that a
 * bad value stops the process with a message naming the variable, not a stack trace later on.
 */
const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Express's `trust proxy`: true/false, a number of proxy hops, or addresses, subnets and loopback/linklocal/uniquelocal. */
const trustProxy = z
  .string()
  .refine(
    (v) =>
      /^(true|false|\d+)$/.test(v) ||
      v.split(',').every((part) => {
        const [address, bits, ...rest] = part.trim().split('/');
        return (
          ['loopback', 'linklocal', 'uniquelocal'].includes(address) ||
          (isIP(address) !== 0 && rest.length === 0 && (bits === undefined || /^\d{1,3}$/.test(bits)))
        );
      }),
    { message: 'must be true, false, a number of proxy hops, or addresses and subnets such as loopback, 10.0.0.0/8' },
  )
  .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v));

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  BASE_URL: z.url({ message: 'must be an absolute URL such as http://localhost:8080' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// connection URL' })
    .optional(),
  /** Connection URL for the runtime role (owns no table, no BYPASSRLS). Derived from DATABASE_URL when absent. */
  DATABASE_APP_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// connection URL' })
    .optional(),
  DATABASE_APP_PASSWORD: z.string().min(1).default('hospital_ops_app'),
  /**
   * A PostgreSQL streaming replica of DATABASE_URL (same roles) that answers searches; each
   * client still reads its own writes (docs/reliability.md). Absent: everything on the primary.
   */
  DATABASE_REPLICA_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// connection URL' })
    .optional(),
  /** How often the replica's replay position is compared with the primary's. */
  REPLICA_POLL_MS: z.coerce.number().int().min(10).default(200),
  /** Searches stop using a replica that has not replayed commits older than this (replay stuck, or far behind). */
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(100).default(30_000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  /** PostgreSQL statement_timeout for reads and searches, and for writes (a transaction bundle may be large). */
  STATEMENT_TIMEOUT_SEARCH_MS: z.coerce.number().int().min(100).default(10_000),
  STATEMENT_TIMEOUT_WRITE_MS: z.coerce.number().int().min(100).default(60_000),
  /**
   * How many FHIR requests one tenant, and one token, may run at once (each holds a database
   * connection); more wait their turn, so one busy tenant or integration cannot take the whole
   * pool. Default: three quarters and two fifths of DATABASE_POOL_SIZE.
   */
  MAX_CONCURRENT_PER_TENANT: z.coerce.number().int().min(1).optional(),
  MAX_CONCURRENT_PER_TOKEN: z.coerce.number().int().min(1).optional(),
  /**
   * SIGTERM: how long /health/ready answers 503 while requests are still taken, so that a load
   * balancer stops sending new ones before the listener closes; then how long requests in
   * flight may take to finish before the process gives up on them.
   */
  SHUTDOWN_READINESS_DELAY_MS: z.coerce.number().int().min(0).default(3_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'must be a redis:// URL' })
    .optional(),
  /** A bearer token that lets a scraper read /metrics from another machine (loopback needs none). */
  METRICS_TOKEN: z.string().min(16, { message: 'must have at least 16 characters' }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Where a new embedded database finds its migrated starting copy (server/.cache, built by npm ci
   * and npm start; see db/pglite-template.ts). 'none': a new database runs initdb and the migrations itself.
   */
  EMBEDDED_TEMPLATE_DIR: z.string().min(1).optional(),
  /** Which reverse proxies to believe about the client's address and scheme (X-Forwarded-For, X-Forwarded-Proto). */
  TRUST_PROXY: trustProxy.default(false),
  /** The site is only ever served over HTTPS: HSTS and upgrade-insecure-requests on every response, not only on HTTPS requests. */
  HTTPS_ONLY: booleanFlag.default(false),
  /** Browser origins allowed to call the API besides registered apps' (comma-separated, e.g. https://app.example). */
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((o) => URL.canParse(o) && new URL(o).origin === o), {
      message: 'must be origins (scheme://host[:port], no path), comma-separated',
    })
    .default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_SIZE: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { message: 'must be a size such as 512kb or 16mb' })
    .default('16mb'),
  /** FHIR: allow a client-chosen id on PUT of a resource that does not exist yet. */
  FHIR_UPDATE_CREATE: booleanFlag.default(true),
  SEED_DEMO: booleanFlag.optional(),
  /** A new tenant gets the starter content (the lab catalogue: docs/lab.md); false leaves it empty. */
  STARTER_CONTENT: booleanFlag.default(true),
  /** Profiles every write must meet: `abdm` = the ABDM IG profile named after the type where one exists; `claimed` = only meta.profile. */
  PROFILE_ENFORCEMENT: z.enum(['abdm', 'claimed']).default('abdm'),
  /** AuditEvents for every interaction. Turning this off is for measuring its cost only (npm run bench). */
  AUDIT_ENABLED: booleanFlag.default(true),
  /** Years medical records are kept after a patient's last clinical record; erasure (DPDP) is refused before. */
  RECORD_RETENTION_YEARS: z.coerce.number().int().min(0).max(100).default(7),
  /** How often the sealer chains new audit rows (milliseconds). */
  AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** Benchmarking only: false writes no events, so no Subscription is ever notified. */
  EVENTS_ENABLED: booleanFlag.default(true),
  /** Read audit records share commits across concurrent reads (false: one commit per read; benchmarks only). */
  AUDIT_READ_GROUP_COMMIT: booleanFlag.default(true),
  /** Events (docs/events.md): how often the outbox and due deliveries are polled, in milliseconds. */
  EVENTS_POLL_MS: z.coerce.number().int().min(10).default(100),
  /**
   * Who dispatches and delivers this process's events: `in-process` (this process, as well as any
   * other), or `separate` (only other processes, started without this setting; this one signals them
   * on each commit), so that deliveries never wait behind request handling (docs/events.md).
   */
  EVENT_DELIVERY: z.enum(['in-process', 'separate']).default('in-process'),
  /** Jobs (docs/jobs.md): how often the embedded queue looks for due jobs; how long a worker holds a job without a heartbeat before another may take it. */
  JOBS_POLL_MS: z.coerce.number().int().min(10).default(1000),
  JOBS_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Redis key prefix of the BullMQ queues, so deployments sharing one Redis stay apart. */
  JOBS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,50}$/, { message: 'must be 1 to 50 letters, digits, dots, dashes or underscores' })
    .default('hops'),
  /** Hosts, addresses and CIDRs on private networks that Subscription endpoints may still name (comma-separated). */
  SUBSCRIPTION_ENDPOINT_ALLOW: z.string().optional(),
  /** First rest-hook retry after this long (doubling each time), and attempts before the Subscription is set to error. */
  SUBSCRIPTION_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5_000),
  SUBSCRIPTION_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(6),
  SUBSCRIPTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  // BOTS (docs/bots.md): where bot folders are found, and each invocation's default limits.
  BOTS_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('../../bots', import.meta.url))),
  BOT_TIME_LIMIT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  BOT_MEMORY_LIMIT_MB: z.coerce.number().int().min(16).max(4096).default(128),
  /** Invocations of one bot queue run at once in this process. */
  BOT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Audit chain heads are appended to this file every AUDIT_ANCHOR_INTERVAL_MS (docs/security.md); unset: not anchored. */
  AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  AUDIT_ANCHOR_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Requests per minute (0 turns a limit off): FHIR API per client, and per IP for sign-in, OTP and the token endpoint. */
  RATE_LIMIT_API: z.coerce.number().int().min(0).default(1000),
  RATE_LIMIT_LOGIN: z.coerce.number().int().min(0).default(5),
  RATE_LIMIT_OTP: z.coerce.number().int().min(0).default(3),
  RATE_LIMIT_TOKEN: z.coerce.number().int().min(0).default(100),
  /** The tenant created on first start (the demo hospital chain when the demo is seeded). */
  TENANT_ID: z.uuid({ message: 'must be a UUID' }).default('4f1a7f52-8c1e-4d0b-9a53-0c6b1f7e2a01'),
  TENANT_NAME: z.string().min(1).default('Hospital-Ops'),
  /** First start: the tenant's administrator. A missing password is generated and written to CREDENTIALS_FILE once. */
  ADMIN_EMAIL: z.email({ message: 'must be an email address' }).default('admin@hospital-ops.local'),
  ADMIN_PASSWORD: z.string().min(10, { message: 'must have at least 10 characters' }).optional(),
  /** The demo's front-desk and doctor sign-ins share this password (only when the demo is loaded). */
  DEMO_PASSWORD: z.string().min(10, { message: 'must have at least 10 characters' }).default('sanjeevani-demo'),
  /** First start: a confidential client with system/*.cruds (Backend Services). */
  SYSTEM_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._~-]{3,128}$/)
    .default('hospital-ops-system'),
  SYSTEM_CLIENT_SECRET: z.string().min(16, { message: 'must have at least 16 characters' }).optional(),
  // --- Bulk Data $export (docs/bulk-data.md) -------------------------------------------------------
  /** Where export files are written; default <DATA_DIR>/bulk-export. Processes behind one load balancer must share it. */
  BULK_EXPORT_DIR: z.string().min(1).optional(),
  /** Hours a finished export's files stay downloadable. */
  BULK_EXPORT_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(24),
  /** Exports one client may have waiting or running at once; more get 429. */
  BULK_EXPORT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(100).default(2),
  /** Resources per NDJSON file. */
  BULK_EXPORT_FILE_RESOURCES: z.coerce.number().int().min(1).default(100_000),
  /** Export jobs this process runs at once. */
  BULK_EXPORT_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  /** The Retry-After (seconds) of a status still running and of a 429. */
  BULK_EXPORT_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).default(5),
  /** How often expired exports are removed. */
  BULK_EXPORT_SWEEP_MS: z.coerce.number().int().min(100).default(300_000),
  // --- Bulk $import (docs/bulk-data.md) ------------------------------------------------------------
  /** The folder `file://` inputs of $import may be read from (and below it). Unset: file URLs are refused. */
  BULK_IMPORT_DIR: z.string().min(1).optional(),
  /** Origins (`https://host:port`, comma-separated) $import may fetch inputs from. Unset: http(s) URLs are refused. */
  BULK_IMPORT_ORIGINS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  /** The largest NDJSON body one $import upload may send, in megabytes. */
  BULK_IMPORT_MAX_UPLOAD_MB: z.coerce.number().int().min(1).default(1024),
  /** Resources written per database statement (and per transaction in resource mode). */
  BULK_IMPORT_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  // --- WhatsApp Cloud API (docs/whatsapp.md); secrets are never logged -----------------------------
  /** Meta's app secret: every webhook's X-Hub-Signature-256 is checked with it. Unset: webhooks are refused (503). */
  WHATSAPP_APP_SECRET: z.string().min(8, { message: 'must have at least 8 characters' }).optional(),
  /** The token Meta echoes in the webhook verification handshake (hub.verify_token). Unset: the handshake is refused. */
  WHATSAPP_VERIFY_TOKEN: z.string().min(8, { message: 'must have at least 8 characters' }).optional(),
  /** Graph API base the WhatsApp bot sends to (the simulator's in development), passed to it as its apiBase setting. */
  WHATSAPP_API_BASE: z
    .url({ message: 'must be an absolute URL such as https://graph.facebook.com/v23.0' })
    .default('https://graph.facebook.com/v23.0'),
  /** The system user's access token the bot sends with, passed to it as its accessToken setting. */
  WHATSAPP_TOKEN: z.string().min(8, { message: 'must have at least 8 characters' }).optional(),
  /** With the demo tenant and no WHATSAPP_TOKEN, `npm start` runs the local Cloud API simulator and sends the demo's messages to it. */
  DEMO_WHATSAPP: booleanFlag.default(true),
  /** Where that simulator listens (its page shows what each phone received); 0 picks a free port. */
  DEMO_WHATSAPP_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  // --- end WhatsApp ------------------------------------------------------------------------------
  // --- ABDM exchange (docs/abdm.md): off unless ABDM_GATEWAY_URL is set; the secret is never logged --
  /** The ABDM gateway base, e.g. https://dev.abdm.gov.in/api/hiecm (sandbox). Unset: no ABDM routes, no jobs. */
  ABDM_GATEWAY_URL: z.url({ message: 'must be an absolute URL such as https://dev.abdm.gov.in/api/hiecm' }).optional(),
  ABDM_CLIENT_ID: z.string().min(1).optional(),
  ABDM_CLIENT_SECRET: z.string().min(8, { message: 'must have at least 8 characters' }).optional(),
  /** X-CM-ID: `sbx` (sandbox) or `abdm` (production). */
  ABDM_CM_ID: z
    .string()
    .regex(/^[a-z]{2,10}$/, { message: 'must be a consent-manager id such as sbx or abdm' })
    .default('sbx'),
  /** The HFR id this server's first tenant (TENANT_ID) is registered as, as HIP and HIU; other tenants are mapped by an admin. */
  ABDM_HIP_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{3,64}$/, { message: 'must be an HFR id such as IN2810014366' })
    .optional(),
  /** The ABHA service (M1: ABHA creation and verification at the desk), e.g. https://abhasbx.abdm.gov.in/abha/api. Unset: not offered. */
  ABDM_ABHA_URL: z.url({ message: 'must be an absolute URL such as https://abhasbx.abdm.gov.in/abha/api' }).optional(),
  /** When set, inbound gateway tokens must carry this clientId (the gateway's own, not a bridge's session token). */
  ABDM_GATEWAY_CLIENT_ID: z.string().min(1).optional(),
  /** The public URL the gateway calls this bridge at (default BASE_URL); registered by `npm run admin -- abdm register-bridge`. */
  ABDM_BRIDGE_URL: z.url({ message: 'must be an absolute URL such as https://hospital.example.in' }).optional(),
  // --- end ABDM ----------------------------------------------------------------------------------
  // --- Razorpay payment links (docs/billing.md); secrets are never logged --------------------------
  /** Payment Links API base (the simulator's in development). */
  RAZORPAY_API_BASE: z
    .url({ message: 'must be an absolute URL such as https://api.razorpay.com/v1' })
    .default('https://api.razorpay.com/v1'),
  /** Key id and secret (Basic auth to the API). Unset: $payment-link answers 503. */
  RAZORPAY_KEY_ID: z.string().min(4).optional(),
  RAZORPAY_KEY_SECRET: z.string().min(8, { message: 'must have at least 8 characters' }).optional(),
  /** Checks every webhook's X-Razorpay-Signature. Unset: webhooks are refused (503). */
  RAZORPAY_WEBHOOK_SECRET: z.string().min(8, { message: 'must have at least 8 characters' }).optional(),
  // --- end Razorpay
  /** First start: where generated credentials are written (owner-only file); by default first-start-credentials.txt in DATA_DIR. */
  CREDENTIALS_FILE: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema> & { baseUrl: string };

export class ConfigError extends Error {}

/** Parses and validates the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  const baseUrl = (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  if (c.ABDM_GATEWAY_URL && (!c.ABDM_CLIENT_ID || !c.ABDM_CLIENT_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  ABDM_CLIENT_ID, ABDM_CLIENT_SECRET: required when ABDM_GATEWAY_URL is set');
  }
  if (c.DATABASE_REPLICA_URL && !c.DATABASE_URL) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_REPLICA_URL: needs DATABASE_URL (the embedded database has no replica)');
  }
  if (c.EVENT_DELIVERY === 'separate' && !c.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  EVENT_DELIVERY: separate needs DATABASE_URL (the embedded database is one process, which delivers its own events)',
    );
  }
  return { ...c, baseUrl };
}
