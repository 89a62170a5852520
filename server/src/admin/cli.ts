// `npm run admin -- <command>`: tenants, users, OAuth clients, signing keys and the audit chain,
// from the command line, with JSON output. Uses the same environment as the server (DATABASE_URL
// or the embedded DATA_DIR; while a server has the embedded database open, this refuses to open it).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OperationOutcomeError } from '@medplum/core';
import { ensureAppClients } from '../apps/clients.ts';
import { readAnchors } from '../audit/anchor.ts';
import { sealPending } from '../audit/sealer.ts';
import { verifyAuditChain } from '../audit/verify.ts';
import { ClientLimits } from '../auth/client-limits.ts';
import { rotateSigningKey } from '../auth/keys.ts';
import { isRole } from '../auth/policies.ts';
import { randomToken } from '../auth/random.ts';
import { createClient, createUser, listClients, listUsers, revokeClient, type UserRow, updateUser, userSummary } from '../auth/store.ts';
import { BackupError, backupEmbedded, restoreEmbedded } from '../backup/embedded.ts';
import { loadConfig } from '../config.ts';
import { DataDirError } from '../db/data-lock.ts';
import type { Database } from '../db/database.ts';
import { openDatabase } from '../db/open.ts';
import { listAbdmServices, registerBridge } from '../features/abdm/registration.ts';
import { registerAbdmService } from '../features/abdm/services.ts';
import { loadLabCatalogue } from '../features/lab/catalogue.ts';
import { registerWhatsAppNumber } from '../features/messaging/whatsapp/numbers.ts';
import { reconcileTenants } from '../features/pharmacy/reconcile.ts';
import { loadDefinitions } from '../fhir/definitions.ts';
import { isJobState, JobInputError } from '../jobs/input.ts';
import { jobQueueFor } from '../jobs/open.ts';
import { createLogger } from '../logger.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { loadStarterContent } from '../tenancy/starter-content.ts';
import { deleteTenant, exportTenant } from '../tenancy/tenant-data.ts';
import { ensureTenant } from '../tenancy/tenants.ts';
import { copyCoreTerminology, syncPackageTerminology } from '../terminology/sync.ts';

const USAGE = `Usage: npm run admin -- <command> [options]
  tenant create --name <name> [--id <uuid>]
  tenant list
  tenant lab-catalogue --tenant <id>          load the starter lab catalogue (tests, containers, analytes with ranges); keeps the tenant's edits
  tenant terminology --tenant <id> [--core]   copy the profile packages' (and with --core, FHIR core's) code systems and value sets into the tenant
  user create --tenant <id> --role <role> --name <name> (--email <e> | --phone <p>) [--password <pw>]
  user list --tenant <id>
  user update --tenant <id> --id <user id> [--role <role>] [--active true|false]
  client create --tenant <id> --name <name> --type public|confidential --scope "<scopes>"
                [--redirect-uri <uri>]... [--jwks-uri <url>] [--jwks-file <path>] [--launch-uri <uri>] [--client-id <id>]
  client list --tenant <id>
  client revoke --tenant <id> --client-id <id>
  client rate-limit --tenant <id> --client-id <id> --per-minute <n|default>   the client's API limit (0: none; default: RATE_LIMIT_API)
  keys rotate
  audit verify --tenant <id> [--anchors <file>]   recompute the hash chain (and check it against anchors published to a file)
  tenant export --tenant <id> --out <folder>      everything the tenant holds, as NDJSON per resource type (no secrets)
  tenant delete --tenant <id> --confirm <name>    remove every row of the tenant, and nothing else
  backup --out <file>                             the embedded database (DATA_DIR) as one file; stop the server first
  restore --from <file> [--replace]               put a backup in DATA_DIR (an existing database is kept aside with --replace)
  whatsapp number --tenant <id> --id <phone-number-id>   route WhatsApp webhooks for this business number to the tenant
  jobs list [--queue <name>] [--state waiting|delayed|active|completed|failed] [--limit <n>]   jobs and counts per queue
  jobs retry --queue <name> --id <job id>   put a failed (dead-lettered) job back to waiting
  pharmacy reconcile [--tenant <id>]   prove every stock balance equals the sum of its ledger entries (exit 1 when one differs)
  abdm service --tenant <id> --id <HFR id> --type HIP|HIU   the tenant runs this ABDM HIP or HIU (gateway calls naming it reach only this tenant)
  abdm services                                 every HIP/HIU id and its tenant
  abdm register-bridge [--url <public url>]     tell the ABDM gateway this bridge's URL (default ABDM_BRIDGE_URL, else BASE_URL) and its services`;

const options = {
  name: { type: 'string' },
  id: { type: 'string' },
  tenant: { type: 'string' },
  role: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  password: { type: 'string' },
  active: { type: 'string' },
  type: { type: 'string' },
  scope: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'jwks-uri': { type: 'string' },
  'jwks-file': { type: 'string' },
  'launch-uri': { type: 'string' },
  'client-id': { type: 'string' },
  anchors: { type: 'string' },
  queue: { type: 'string' },
  state: { type: 'string' },
  limit: { type: 'string' },
  core: { type: 'boolean' },
  out: { type: 'string' },
  'per-minute': { type: 'string' },
  from: { type: 'string' },
  url: { type: 'string' },
  confirm: { type: 'string' },
  replace: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Opts = Partial<Record<keyof typeof options, string | string[] | boolean>>;

class UsageError extends Error {}

function need(o: Opts, key: keyof typeof options): string {
  const v = o[key];
  if (typeof v !== 'string' || !v) throw new UsageError(`--${key} is required`);
  return v;
}

async function run(db: Database, command: string, o: Opts): Promise<unknown> {
  switch (command) {
    case 'tenant create': {
      const id = typeof o.id === 'string' ? o.id : crypto.randomUUID();
      const created = await ensureTenant(db, id, need(o, 'name'));
      loadDefinitions();
      const terminologyResources = await syncPackageTerminology(db, id, config.baseUrl);
      const appClients = await ensureAppClients(db, id, config.TENANT_ID, config.baseUrl);
      // A new tenant's starter content (the lab catalogue); an existing one is left as it is.
      const starter = created && config.STARTER_CONTENT ? await loadStarterContent(db, id, config.baseUrl) : undefined;
      return { id, name: o.name, terminologyResources, appClients, ...(starter ? { labCatalogue: starter.labCatalogue } : {}) };
    }
    case 'tenant terminology': {
      const tenant = need(o, 'tenant');
      loadDefinitions();
      const packages = await syncPackageTerminology(db, tenant, config.baseUrl);
      const core = o.core === true ? await copyCoreTerminology(db, tenant, config.baseUrl) : 0;
      return { tenant, packageResources: packages, coreResources: core };
    }
    case 'tenant lab-catalogue': {
      const tenant = need(o, 'tenant');
      loadDefinitions();
      const repo = new PostgresRepository({ db, tenant: { tenantId: tenant }, baseUrl: config.baseUrl, updateCreate: false });
      return { tenant, ...(await loadLabCatalogue(repo)) };
    }
    case 'tenant list':
      return (await db.asOwner((sql) => sql.query('SELECT id, name, active, created_at FROM tenant ORDER BY created_at'))).rows;
    case 'user create': {
      const role = need(o, 'role');
      if (!isRole(role)) throw new UsageError(`Unknown role ${role}`);
      const password = typeof o.password === 'string' ? o.password : randomToken(12);
      const user = await createUser(db, need(o, 'tenant'), {
        name: need(o, 'name'),
        role,
        email: o.email as string | undefined,
        phone: o.phone as string | undefined,
        password,
      });
      return { ...userSummary(user), ...(o.password ? {} : { password }) };
    }
    case 'user list':
      return (await listUsers(db, need(o, 'tenant'))).map(userSummary);
    case 'user update': {
      const role = o.role as string | undefined;
      if (role && !isRole(role)) throw new UsageError(`Unknown role ${role}`);
      const u = await updateUser(db, need(o, 'tenant'), need(o, 'id'), {
        role: role as UserRow['role'] | undefined,
        active: o.active === undefined ? undefined : o.active === 'true',
      });
      if (!u) throw new UsageError('No such user');
      return userSummary(u);
    }
    case 'client create': {
      const type = need(o, 'type');
      if (type !== 'public' && type !== 'confidential') throw new UsageError('--type must be public or confidential');
      const jwks = typeof o['jwks-file'] === 'string' ? JSON.parse(readFileSync(o['jwks-file'], 'utf8')) : undefined;
      const { client, secret } = await createClient(db, need(o, 'tenant'), {
        clientId: o['client-id'] as string | undefined,
        name: need(o, 'name'),
        type,
        scope: need(o, 'scope'),
        redirectUris: (o['redirect-uri'] as string[] | undefined) ?? [],
        jwksUri: o['jwks-uri'] as string | undefined,
        jwks,
        launchUri: o['launch-uri'] as string | undefined,
        secret: jwks || o['jwks-uri'] ? false : undefined,
      });
      return {
        clientId: client.client_id,
        tenant: client.tenant_id,
        type: client.client_type,
        scope: client.scope,
        redirectUris: client.redirect_uris,
        ...(secret ? { clientSecret: secret } : {}),
      };
    }
    case 'client list':
      return (await listClients(db, need(o, 'tenant'))).map((c) => ({
        clientId: c.client_id,
        name: c.name,
        type: c.client_type,
        scope: c.scope,
        redirectUris: c.redirect_uris,
        active: c.active,
      }));
    case 'client revoke':
      return { revoked: await revokeClient(db, need(o, 'tenant'), need(o, 'client-id')) };
    case 'client rate-limit': {
      const value = need(o, 'per-minute');
      const perMinute = value === 'default' ? null : Number(value);
      if (perMinute !== null && (!Number.isInteger(perMinute) || perMinute < 0))
        throw new UsageError('--per-minute is a whole number, or default');
      const tenant = need(o, 'tenant');
      const clientId = need(o, 'client-id');
      if (!(await new ClientLimits(db).set(tenant, clientId, perMinute))) throw new Error(`No client ${clientId} in tenant ${tenant}`);
      return { clientId, perMinute };
    }
    case 'keys rotate':
      return { kid: await rotateSigningKey(db) };
    case 'tenant export':
      return exportTenant(db, need(o, 'tenant'), need(o, 'out'));
    case 'tenant delete':
      return deleteTenant(db, need(o, 'tenant'), need(o, 'confirm'));
    case 'backup':
      return backupEmbedded(db, need(o, 'out'));
    case 'audit verify':
      await sealPending(db);
      return verifyAuditChain(db, need(o, 'tenant'), 1000, typeof o.anchors === 'string' ? readAnchors(o.anchors) : []);
    // --- WhatsApp (issue 23)
    case 'whatsapp number':
      await registerWhatsAppNumber(db, need(o, 'tenant'), need(o, 'id'));
      return { tenant: o.tenant, phoneNumberId: o.id };
    case 'jobs list':
    case 'jobs retry':
      return jobsCommand(db, command, o);
    // --- Pharmacy (issue 18)
    case 'pharmacy reconcile': {
      const report = await reconcileTenants(db, typeof o.tenant === 'string' ? o.tenant : undefined);
      if (report.some((r) => r.discrepancies.length > 0)) process.exitCode = 1;
      return report;
    }
    // --- ABDM (issue 19, docs/abdm.md)
    case 'abdm service': {
      const type = need(o, 'type');
      if (type !== 'HIP' && type !== 'HIU') throw new UsageError('--type is HIP or HIU');
      await registerAbdmService(db, need(o, 'tenant'), need(o, 'id'), type);
      return { tenant: o.tenant, serviceId: o.id, type };
    }
    case 'abdm services':
      return listAbdmServices(db);
    case 'abdm register-bridge':
      return registerBridge(db, config, typeof o.url === 'string' ? o.url : undefined);
    default:
      throw new UsageError(`Unknown command: ${command || '(none)'}`);
  }
}

/** Jobs through the configured backend (Redis when REDIS_URL is set), with nothing registered on it. */
async function jobsCommand(db: Database, command: string, o: Opts): Promise<unknown> {
  const jobs = jobQueueFor(config, db, createLogger('silent'));
  try {
    if (command === 'jobs retry') {
      const queue = need(o, 'queue');
      const id = need(o, 'id');
      if (!(await jobs.retry(queue, id))) throw new UsageError(`Queue ${queue} holds no failed job ${id} to retry`);
      return { queue, id, retried: true };
    }
    const state = o.state as string | undefined;
    if (state !== undefined && !isJobState(state)) throw new UsageError('--state is one of waiting, delayed, active, completed or failed');
    const limit = o.limit === undefined ? undefined : Number(o.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
      throw new UsageError('--limit is a whole number from 1 to 1000');
    const [counts, list] = await Promise.all([jobs.counts(), jobs.list({ queue: o.queue as string | undefined, state, limit })]);
    return { backend: jobs.backend, counts, jobs: list };
  } catch (err) {
    if (err instanceof JobInputError) throw new UsageError(err.message);
    throw err;
  } finally {
    await jobs.close();
  }
}

const { values, positionals } = parseArgs({ options, allowPositionals: true, strict: true });
if (values.help || positionals.length === 0) {
  console.log(USAGE);
  process.exit(positionals.length === 0 && !values.help ? 1 : 0);
}
const config = loadConfig();
const command = positionals[0] === 'backup' || positionals[0] === 'restore' ? positionals[0] : positionals.slice(0, 2).join(' ');
// A restore replaces the folder a database would be opened from: it runs before (and instead of) opening one.
if (command === 'restore') {
  try {
    if (config.DATABASE_URL)
      throw new BackupError('restore is for the embedded database (DATA_DIR); restore PostgreSQL with its own tools (docs/operations.md).');
    console.log(JSON.stringify(await restoreEmbedded(need(values as Opts, 'from'), config.DATA_DIR, values.replace === true), null, 2));
  } catch (err) {
    console.error(JSON.stringify({ error: (err as Error).message }));
    process.exit(1);
  }
  process.exit(0);
}
let db: Database;
try {
  // Only `tenant create` may start a new embedded database; anything else on an empty folder means a wrong DATA_DIR.
  db = await openDatabase(config, { existing: command !== 'tenant create' });
} catch (err) {
  if (!(err instanceof DataDirError)) throw err;
  console.error(JSON.stringify({ error: err.message }));
  process.exit(1);
}
try {
  const out = await run(db, command, values as Opts);
  console.log(JSON.stringify(out, null, 2));
} catch (err) {
  const message = err instanceof OperationOutcomeError ? err.outcome.issue?.[0]?.details?.text : (err as Error).message;
  console.error(JSON.stringify({ error: message }));
  if (err instanceof UsageError) console.error(USAGE);
  process.exitCode = 1;
} finally {
  await db.close();
}
