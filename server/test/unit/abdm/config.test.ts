import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';

// ABDM settings: off unless the gateway URL is set, and then with credentials.
describe('ABDM configuration', () => {
  it('is off when ABDM_GATEWAY_URL is unset, with the sandbox consent manager by default', () => {
    const c = loadConfig({});
    expect(c.ABDM_GATEWAY_URL).toBeUndefined();
    expect(c.ABDM_CM_ID).toBe('sbx');
  });

  it('needs the client id and secret once the gateway is set, and never echoes the secret', () => {
    expect(() => loadConfig({ ABDM_GATEWAY_URL: 'https://dev.abdm.gov.in/api/hiecm' })).toThrow(/ABDM_CLIENT_ID, ABDM_CLIENT_SECRET/);
    const c = loadConfig({
      ABDM_GATEWAY_URL: 'https://dev.abdm.gov.in/api/hiecm',
      ABDM_CLIENT_ID: 'SBX_001',
      ABDM_CLIENT_SECRET: 'a-secret-value',
      ABDM_HIP_ID: 'IN2810014366',
      ABDM_CM_ID: 'abdm',
    });
    expect(c.ABDM_HIP_ID).toBe('IN2810014366');
    try {
      loadConfig({ ABDM_GATEWAY_URL: 'not a url', ABDM_CLIENT_ID: 'x', ABDM_CLIENT_SECRET: 'a-secret-value', ABDM_HIP_ID: 'bad id!' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/ABDM_GATEWAY_URL/);
      expect((err as Error).message).toMatch(/ABDM_HIP_ID/);
      expect((err as Error).message).not.toContain('a-secret-value');
    }
  });
});
