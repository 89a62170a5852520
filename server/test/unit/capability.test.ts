import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCapabilityStatement } from '../../src/fhir/capability.ts';

const resourceOf = (cs: ReturnType<typeof buildCapabilityStatement>, type: string) => cs.rest?.[0].resource?.find((r) => r.type === type);

describe('CapabilityStatement says what is supported and nothing more', () => {
  it('the audit log: read and search only, no versions, no conditional writes', () => {
    const audit = resourceOf(buildCapabilityStatement('http://x'), 'AuditEvent');
    expect(audit?.interaction?.map((i) => i.code)).toEqual(['read', 'search-type']);
    expect(audit?.readHistory).toBe(false);
    expect(audit?.updateCreate).toBe(false);
    expect(audit?.conditionalDelete).toBe('not-supported');
  });

  it('update-as-create follows FHIR_UPDATE_CREATE; JSON is the only format', () => {
    expect(resourceOf(buildCapabilityStatement('http://x', { updateCreate: false }), 'Patient')?.updateCreate).toBe(false);
    const cs = buildCapabilityStatement('http://x', { updateCreate: true });
    expect(resourceOf(cs, 'Patient')?.updateCreate).toBe(true);
    expect(resourceOf(cs, 'Patient')?.interaction?.map((i) => i.code)).toContain('delete');
    expect(cs.format).toEqual(['application/fhir+json', 'json']);
    expect(cs.rest?.[0].security?.cors).toBe(true);
  });

  it('names the websocket endpoint of Subscriptions', () => {
    const cs = buildCapabilityStatement('https://his.example.in', { updateCreate: false });
    expect(cs.rest?.[0].extension).toContainEqual({
      url: 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket',
      valueUrl: 'wss://his.example.in/ws/subscriptions',
    });
    expect(resourceOf(cs, 'Subscription')?.interaction?.map((i) => i.code)).toContain('create');
  });

  it('declares ViewDefinition and its SQL on FHIR $run', () => {
    const view = resourceOf(buildCapabilityStatement('http://x'), 'ViewDefinition');
    expect(view?.operation).toEqual([{ name: 'run', definition: 'http://sql-on-fhir.org/OperationDefinition/$run' }]);
    expect(view?.interaction?.map((i) => i.code)).toContain('create');
  });
});

describe('every operation the server routes is declared', () => {
  it('lists each Type/$operation registered with the router (features included)', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const routed = new Set<string>();
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(`${root}${file}`, 'utf8');
      for (const m of text.matchAll(/router\.add\([^,]+, '([A-Z][A-Za-z]+)\/(?::id\/)?\$([a-z-]+)'/g)) routed.add(`${m[1]} ${m[2]}`);
    }
    expect(routed.size).toBeGreaterThan(30);
    const cs = buildCapabilityStatement('http://x');
    const listed = new Set(cs.rest?.[0].resource?.flatMap((r) => (r.operation ?? []).map((o) => `${r.type} ${o.name}`)));
    expect([...routed].filter((op) => !listed.has(op))).toEqual([]);
  });
});
