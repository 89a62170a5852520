import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Config, ConfigError } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { loadStarterContent } from '../tenancy/starter-content.ts';
import { ensureTenant } from '../tenancy/tenants.ts';
import { randomToken } from './random.ts';
import { createClient, createUser, findClient, listUsers } from './store.ts';

export interface BootstrapResult {
  adminCreated?: { email: string; password?: string };
  clientCreated?: { clientId: string; secret?: string };
  /** Where the generated values were written, when any were generated. */
  credentialsFile?: string;
  /** The tenant's first start: the starter content it got (STARTER_CONTENT). */
  starter?: Awaited<ReturnType<typeof loadStarterContent>>;
}

/** Where the terminal shows generated credentials: only when a person is looking (a TTY). */
export interface Terminal {
  isTTY?: boolean;
  write(text: string): unknown;
}

export const CREDENTIALS_FILE_NAME = 'first-start-credentials.txt';

/** CREDENTIALS_FILE, else a file in DATA_DIR (a fresh temporary folder for an in-memory database). */
export function credentialsFilePath(config: Config): string {
  if (config.CREDENTIALS_FILE) return resolve(config.CREDENTIALS_FILE);
  const dir = config.DATA_DIR === ':memory:' ? mkdtempSync(join(tmpdir(), 'hospital-ops-')) : resolve(config.DATA_DIR);
  return join(dir, CREDENTIALS_FILE_NAME);
}

/** A new file only its owner may read (an old one is replaced, as it may have looser permissions). */
function writePrivateFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new ConfigError(
      `Cannot write the generated first-start credentials to ${path} (${(err as Error).message}). ` +
        'Set CREDENTIALS_FILE to a file this user may create, or set ADMIN_PASSWORD and SYSTEM_CLIENT_SECRET.',
    );
  }
}

/**
 * First start: the configured tenant gets its administrator (super_admin) and one confidential
 * system client, from ADMIN_EMAIL/ADMIN_PASSWORD and SYSTEM_CLIENT_ID/SYSTEM_CLIENT_SECRET; later
 * starts change nothing. Values not given are generated and shown once, outside the log stream
 * (log lines travel to collectors and stay there): written to a file only the owner can read,
 * before anything is created so that a failed write loses nothing, and to a terminal if one is
 * watching. The log says only where the file is.
 */
export async function bootstrapTenant(
  db: Database,
  config: Config,
  logger: Logger,
  tenantName: string,
  terminal: Terminal = process.stderr,
): Promise<BootstrapResult> {
  const tenantId = config.TENANT_ID;
  await ensureTenant(db, tenantId, tenantName);
  const needsAdmin = (await listUsers(db, tenantId)).length === 0;
  const needsClient = !(await findClient(db, config.SYSTEM_CLIENT_ID));
  const password = needsAdmin ? (config.ADMIN_PASSWORD ?? randomToken(12)) : undefined;
  const secret = needsClient ? (config.SYSTEM_CLIENT_SECRET ?? randomToken(32)) : undefined;
  const result: BootstrapResult = {};
  if (password) result.adminCreated = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD ? undefined : password };
  if (secret) result.clientCreated = { clientId: config.SYSTEM_CLIENT_ID, secret: config.SYSTEM_CLIENT_SECRET ? undefined : secret };

  const lines = [
    ...(result.adminCreated?.password ? [`ADMIN_EMAIL=${config.ADMIN_EMAIL}`, `ADMIN_PASSWORD=${result.adminCreated.password}`] : []),
    ...(result.clientCreated?.secret
      ? [`SYSTEM_CLIENT_ID=${config.SYSTEM_CLIENT_ID}`, `SYSTEM_CLIENT_SECRET=${result.clientCreated.secret}`]
      : []),
  ];
  if (lines.length) {
    const file = credentialsFilePath(config);
    const text = [
      `# Hospital-Ops: credentials generated on the first start (${new Date().toISOString()}) for tenant ${tenantId}.`,
      '# Only their hashes are stored, so they are shown only now: keep them somewhere safe, then delete this file.',
      ...lines,
      '',
    ].join('\n');
    writePrivateFile(file, text);
    result.credentialsFile = file;
    if (terminal.isTTY) terminal.write(`\n${text}# (also written to ${file})\n\n`);
    logger.warn(
      {
        tenant: tenantId,
        adminEmail: result.adminCreated?.password && config.ADMIN_EMAIL,
        systemClientId: result.clientCreated?.secret && config.SYSTEM_CLIENT_ID,
        file,
      },
      'first start: generated credentials written to a file only this user can read; store them safely, then delete the file',
    );
  }

  // A tenant's first start (no one has signed up yet) gives it the starter content, before its
  // administrator: a start that fails here is a first start again next time (the load is idempotent).
  if (needsAdmin && config.STARTER_CONTENT) result.starter = await loadStarterContent(db, tenantId, config.baseUrl);
  if (password) await createUser(db, tenantId, { email: config.ADMIN_EMAIL, name: 'Administrator', password, role: 'super_admin' });
  if (secret)
    await createClient(db, tenantId, {
      clientId: config.SYSTEM_CLIENT_ID,
      name: 'System client (bootstrap)',
      type: 'confidential',
      scope: 'system/*.cruds',
      secret,
    });
  return result;
}
