import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import { pageWithRevIncludes } from '../../src/search/includes.ts';
import { parseSearch } from '../../src/search/parse.ts';
import { SqlParams } from '../../src/search/sql.ts';

beforeAll(() => loadDefinitions());

const compile = (type: string, query: Record<string, string | string[]>) =>
  pageWithRevIncludes(parseSearch(type, query, false).request, new SqlParams(), 'SELECT 1', 20);

describe('plain _revinclude in the page statement', () => {
  it('compiles plain revincludes into the page query, one part per include', () => {
    const sql = compile('Patient', { _id: 'x', _revinclude: ['Observation:subject', 'Encounter:subject'] });
    expect(sql).toMatch(/^WITH page AS MATERIALIZED/);
    expect(sql?.match(/UNION ALL/g)).toHaveLength(2);
  });

  it('leaves :iterate, _include and system search to the router include step', () => {
    expect(compile('Patient', { _revinclude: 'Observation:subject', _include: 'Patient:organization' })).toBeUndefined();
    expect(compile('Patient', { '_revinclude:iterate': 'Observation:has-member' })).toBeUndefined();
    expect(compile('Patient', { _id: 'x' })).toBeUndefined();
    // A plain one before an :iterate one adds no parameter the fallback query would not use.
    const p = new SqlParams();
    const req = parseSearch(
      'Patient',
      { _revinclude: 'Observation:subject', '_revinclude:iterate': 'Observation:has-member' },
      false,
    ).request;
    expect(pageWithRevIncludes(req, p, 'SELECT 1', 20)).toBeUndefined();
    expect(p.values).toEqual([]);
  });
});
