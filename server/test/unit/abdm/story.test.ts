import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm run abdm:story` as a developer runs it: the whole exchange between two tenants, in memory.
const root = fileURLToPath(new URL('../../../../', import.meta.url));

function story(): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'abdm:story'], { cwd: root, env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
  });
}

describe('npm run abdm:story', () => {
  it('links a visit, asks and grants consent, and moves the records from the HIP tenant to the HIU tenant', async () => {
    const { code, out, err } = await story();
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const path of [
      'POST /v3/token/generate-token',
      'POST /hip/v3/link/carecontext',
      'POST /consent/v3/request/init',
      'POST /api/v3/consent/request/hip/notify',
      'POST /consent/v3/fetch',
      'POST /data-flow/v3/health-information/request',
      'POST /data-flow/v3/health-information/notify',
    ]) {
      expect(out).toContain(path);
    }
    expect(out).toMatch(/\(OPConsultRecord\), from Sanjeevani Hospitals/);
    expect(out).toMatch(/\(PrescriptionRecord\), from Sanjeevani Hospitals/);
    expect(out).toContain('Sanjeevani holds 0 external records; transfer status at the gateway: TRANSFERRED');
    expect(out).not.toContain('story-gateway-secret');
  }, 120_000);
});
