import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { notification, signature } from '../../../simulators/whatsapp-cloud/src/index.ts';
import { scratchDatabase } from '../helpers/server.ts';

const VERIFY_TOKEN = 'verify-token-never-in-logs';
const APP_SECRET = 'app-secret-never-in-logs';
const CLOUD_TOKEN = 'cloud-token-never-in-logs';
const root = mkdtempSync(join(tmpdir(), 'hops-wa-logs-'));
let child: ChildProcess | undefined;
let scratch: Awaited<ReturnType<typeof scratchDatabase>> | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
  await scratch?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('WhatsApp secrets', () => {
  it('never reach the log: not the verify token in the handshake URL, not the app secret, not the Cloud API token', async () => {
    scratch = process.env.TEST_DB === 'postgres' ? await scratchDatabase() : undefined;
    child = spawn(process.execPath, ['src/main.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        BASE_URL: '',
        DATA_DIR: join(root, 'data'),
        DATABASE_URL: scratch?.url ?? '',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'trace',
        ADMIN_PASSWORD: 'admin-password-for-tests',
        SYSTEM_CLIENT_SECRET: 'system-secret-for-tests-0123',
        WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_TOKEN: CLOUD_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child?.stdout?.on('data', () => {
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*Hospital-Ops FHIR server listening/.exec(output);
        if (m) resolve(m[1]);
      });
      child?.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    const ok = await fetch(`${url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=42`);
    expect(await ok.text()).toBe('42');
    const wrong = await fetch(`${url}/webhooks/whatsapp?hub.challenge=42&hub.verify_token=${VERIFY_TOKEN}x&hub.mode=subscribe`);
    expect(wrong.status).toBe(403);
    const body = JSON.stringify(notification({ phoneNumberId: '1', displayPhoneNumber: '1', wabaId: '1' }, { statuses: [] }));
    const posted = await fetch(`${url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(body, APP_SECRET) },
      body,
    });
    expect(posted.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(output).toContain('/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=42');
    for (const secret of [VERIFY_TOKEN, APP_SECRET, CLOUD_TOKEN]) expect(output).not.toContain(secret);
  }, 120_000);
});
