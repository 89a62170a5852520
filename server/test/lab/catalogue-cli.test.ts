import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.ts';

const cli = await cliRunner('src/admin/cli.ts');
afterAll(() => cli.cleanup());

describe('npm run admin -- tenant lab-catalogue', () => {
  it('loads the starter catalogue into one tenant, once, and refuses without --tenant', async () => {
    const tenant = '33333333-4444-4555-8666-777777777777';
    expect((await cli.run('tenant', 'create', '--name', 'Lab Clinic', '--id', tenant)).code).toBe(0);
    const first = await cli.run('tenant', 'lab-catalogue', '--tenant', tenant);
    expect(first.code).toBe(0);
    expect(first.out).toEqual({ tenant, created: 44, kept: 0 });
    const again = await cli.run('tenant', 'lab-catalogue', '--tenant', tenant);
    expect(again.out).toEqual({ tenant, created: 0, kept: 44 });
    const missing = await cli.run('tenant', 'lab-catalogue');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/--tenant is required/);
  }, 120_000);
});
