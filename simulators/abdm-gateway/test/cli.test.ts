import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('npm run abdm:gateway', () => {
  it('starts the gateway on its own, serving the JWKS, and never prints the client secret', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../src/cli.ts', import.meta.url))], {
      env: { ...process.env, ABDM_GATEWAY_PORT: '0', ABDM_CLIENT_SECRET: 'cli-secret-not-shown' },
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start line: ${out}`)), 10_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /on (http:\/\/[\d.:]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const jwks = (await (await fetch(`${url}/gateway/v3/certs`)).json()) as { keys: { alg: string; kty: string }[] };
      expect(jwks.keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA' });
      expect(out).not.toContain('cli-secret-not-shown');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
