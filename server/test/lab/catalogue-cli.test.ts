import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.ts';

const cli = await cliRunner('src/admin/cli.ts');
afterAll(() => cli.cleanup());

describe('npm run admin -- tenant create / tenant lab-catalogue', () => {
  it('gives a new tenant the starter catalogue once; loading again keeps it; refuses without --tenant', async () => {
    const tenant = '33333333-4444-4555-8666-777777777777';
    const created = await cli.run('tenant', 'create', '--name', 'Lab Clinic', '--id', tenant);
    expect(created.code).toBe(0);
    // A freshly created tenant gets the catalogue with it (tenancy/starter-content.ts).
    expect(created.out.labCatalogue).toEqual({ created: 45, kept: 0 });
    // Creating it again is not a new tenant: nothing is loaded again.
    const twice = await cli.run('tenant', 'create', '--name', 'Lab Clinic', '--id', tenant);
    expect(twice.code).toBe(0);
    expect(twice.out.labCatalogue).toBeUndefined();
    const again = await cli.run('tenant', 'lab-catalogue', '--tenant', tenant);
    expect(again.code).toBe(0);
    expect(again.out).toEqual({ tenant, created: 0, kept: 45 });
    // A second new tenant gets a catalogue of its own (the first's entries are not "kept" for it).
    const other = '33333333-4444-4555-8666-888888888888';
    expect((await cli.run('tenant', 'create', '--name', 'Other Clinic', '--id', other)).out.labCatalogue).toEqual({ created: 45, kept: 0 });
    const missing = await cli.run('tenant', 'lab-catalogue');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/--tenant is required/);
  }, 180_000);
});
