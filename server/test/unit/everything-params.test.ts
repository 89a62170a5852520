import { OperationOutcomeError } from '@medplum/core';
import type { FhirRequest } from '@medplum/fhir-router';
import { describe, expect, it } from 'vitest';
import { compartmentMembers, RELATED } from '../../src/everything/operation.ts';
import { EVERYTHING_DEFAULT_COUNT, readEverythingInput } from '../../src/everything/params.ts';

const covered = [...compartmentMembers('Patient'), ...RELATED.Patient];
const request = (query: Record<string, string | string[]>, body?: unknown, method = 'GET'): FhirRequest =>
  ({ method, url: '', pathname: '', params: {}, query, body, headers: {} }) as FhirRequest;
const read = (query: Record<string, string | string[]>, body?: unknown, lenient = false) =>
  readEverythingInput(request(query, body, body === undefined ? 'GET' : 'POST'), 'Patient $everything', covered, lenient);
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OperationOutcomeError);
    return (err as OperationOutcomeError).outcome.issue?.[0]?.details?.text ?? '';
  }
  throw new Error('not refused');
};

describe('$everything parameters', () => {
  it('defaults, caps _count, and merges repeated _type lists', () => {
    expect(read({})).toEqual({ since: undefined, types: undefined, count: EVERYTHING_DEFAULT_COUNT, cursor: undefined });
    expect(read({ _count: '5000' }).count).toBe(1000);
    expect(read({ _type: ['Observation,Condition', 'Observation', 'Medication'] }).types).toEqual([
      'Observation',
      'Condition',
      'Medication',
    ]);
    expect(read({ _since: '2025-01-31T09:30:00+05:30' }).since).toBe('2025-01-31T09:30:00+05:30');
  });

  it('reads a Parameters body, and refuses a body of another kind', () => {
    const body = {
      resourceType: 'Parameters',
      parameter: [
        { name: '_since', valueInstant: '2025-01-01T00:00:00Z' },
        { name: '_type', valueCode: 'Encounter' },
        { name: '_count', valueInteger: 7 },
      ],
    };
    expect(read({}, body)).toMatchObject({ since: '2025-01-01T00:00:00Z', types: ['Encounter'], count: 7 });
    expect(refusal(() => read({}, { resourceType: 'Patient' }))).toMatch(/takes a Parameters resource/);
    expect(refusal(() => read({}, { resourceType: 'Parameters', parameter: [{ name: '_type' }] }))).toMatch(/needs a value/);
  });

  it('refuses what it cannot honour, in its own words', () => {
    expect(refusal(() => read({ _since: '2025-13-45T99:00:00Z' }))).toMatch(/^_since must be an instant/);
    expect(refusal(() => read({ _since: '2025-01-01T00:00:00' }))).toMatch(/^_since must be an instant/);
    expect(refusal(() => read({ _since: ['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'] }))).toBe('_since may be given once');
    expect(refusal(() => read({ _type: ',' }))).toMatch(/at least one/);
    expect(refusal(() => read({ _type: 'AuditEvent' }))).toMatch(/does not return AuditEvent/);
    expect(refusal(() => read({ end: '2025' }))).toMatch(/does not support end/);
    // Unknown parameters are refused, or ignored when the client asks for lenient handling; start/end never are.
    expect(refusal(() => read({ patient: 'x' }))).toMatch(/has no parameter patient/);
    expect(read({ patient: 'x' }, undefined, true).count).toBe(EVERYTHING_DEFAULT_COUNT);
    expect(refusal(() => read({ start: '2025' }, undefined, true))).toMatch(/does not support start/);
  });
});
