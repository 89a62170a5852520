import { OperationOutcomeError } from '@medplum/core';
import { getI18n } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bed, Ward } from '../board/board.ts';
import { initIpdI18n } from '../i18n/index.ts';
import { bedFailure, stateFailure } from './outcome.ts';

const bed = (id: string, wardId: string, status: Bed['status'], bedClass = 'general'): Bed => ({
  id,
  name: id.toUpperCase(),
  status,
  tags: [],
  wardId,
  bedClass,
});
const ward = (id: string, beds: Bed[]): Ward => ({
  id,
  name: id,
  beds,
  total: beds.length,
  occupied: beds.filter((b) => b.status === 'O').length,
});

// What the server answers the second of two admissions to one bed (docs/ipd.md).
const taken = new OperationOutcomeError({
  resourceType: 'OperationOutcome',
  id: 'conflict',
  issue: [{ severity: 'error', code: 'conflict', details: { text: 'Bed G1-1 is occupied, so no one can be admitted to it.' } }],
});

beforeAll(() => initIpdI18n());
const inLanguage = (lang: 'en' | 'hi') => getI18n().getFixedT(lang, 'ipd');

describe('a dialog’s failure', () => {
  const chosen = bed('g1-1', 'gw', 'U');

  it('turns a taken bed into a sentence with the free beds of the board as it is now', async () => {
    const now = [
      ward('gw', [bed('g1-1', 'gw', 'O'), bed('g1-2', 'gw', 'U'), bed('g1-3', 'gw', 'H')]),
      ward('icu', [bed('icu-1', 'icu', 'U', 'icu')]),
    ];
    let reads = 0;
    const refresh = async () => {
      reads++;
      return now;
    };
    const failure = await bedFailure(taken, chosen, refresh, inLanguage('en'));
    expect(reads).toBe(1);
    expect(failure.message).toBe('Someone else has just taken bed G1-1. Free beds now: choose one.');
    expect(failure.offer.map((b) => b.name)).toEqual(['G1-2']);
  });

  it('says so in Hindi, and when nothing is free', async () => {
    const failure = await bedFailure(taken, chosen, async () => [ward('gw', [bed('g1-1', 'gw', 'O')])], inLanguage('hi'));
    expect(failure).toEqual({ message: 'बेड G1-1 अभी किसी और ने ले लिया, और अभी कोई दूसरा बेड खाली नहीं है।', offer: [] });
  });

  it('leaves any other failure to the shell’s sentence, without re-reading the board', async () => {
    const en = inLanguage('en');
    let reads = 0;
    const refresh = async () => {
      reads++;
      return [];
    };
    const failure = await bedFailure(new TypeError('Failed to fetch'), chosen, refresh, en);
    expect(reads).toBe(0);
    expect(failure.offer).toEqual([]);
    expect(failure.message).not.toMatch(/taken|Failed to fetch/);
    expect((await stateFailure(taken, refresh, en)).message).toBe(
      'This bed changed while you were working on it; the board now shows it as it is.',
    );
    expect(reads).toBe(1);
  });
});
