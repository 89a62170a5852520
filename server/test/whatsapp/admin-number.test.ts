import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.ts';

const TENANT = '33333333-4444-4555-8666-777777777777';
const OTHER = '44444444-5555-4666-8777-888888888888';
const cli = await cliRunner('src/admin/cli.ts');

afterAll(() => cli.cleanup());

describe('npm run admin -- whatsapp number', () => {
  it('gives a business number to a tenant, and refuses to hand it to another or to a tenant that does not exist', async () => {
    expect((await cli.run('tenant', 'create', '--name', 'Number Clinic', '--id', TENANT)).code).toBe(0);
    expect((await cli.run('tenant', 'create', '--name', 'Other Clinic', '--id', OTHER)).code).toBe(0);
    const ok = await cli.run('whatsapp', 'number', '--tenant', TENANT, '--id', '555555555555555');
    expect(ok).toMatchObject({ code: 0, out: { tenant: TENANT, phoneNumberId: '555555555555555' } });
    expect((await cli.run('whatsapp', 'number', '--tenant', TENANT, '--id', '555555555555555')).code).toBe(0);
    const taken = await cli.run('whatsapp', 'number', '--tenant', OTHER, '--id', '555555555555555');
    expect(taken.code).toBe(1);
    expect(taken.err).toContain('belongs to another tenant');
    const nobody = await cli.run('whatsapp', 'number', '--tenant', '99999999-5555-4666-8777-888888888888', '--id', '666');
    expect(nobody.err).toContain('No tenant');
    expect(nobody.err).not.toMatch(/constraint|violates/);
  }, 120_000);
});
