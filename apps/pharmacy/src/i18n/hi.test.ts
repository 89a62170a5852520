import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { hi } from './hi.ts';

type Tree = { [key: string]: string | Tree };
const leaves = (t: Tree, prefix = ''): [string, string][] =>
  Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));

describe('Hindi strings', () => {
  it('keep every placeholder of the English', () => {
    const hindi = new Map(leaves(hi as unknown as Tree));
    for (const [key, text] of leaves(en as unknown as Tree)) {
      const wanted = (text.match(/\{\{\w+\}\}/g) ?? []).sort();
      expect((hindi.get(key)?.match(/\{\{\w+\}\}/g) ?? []).sort(), key).toEqual(wanted);
    }
  });

  it('are written in Devanagari where the English has words', () => {
    expect(hi.outcome.INSUFFICIENT_STOCK).toMatch(/[\u0900-\u097F]/);
    expect(hi.dispense.title).toMatch(/[\u0900-\u097F]/);
    expect(hi.stock.band.expired).toMatch(/[\u0900-\u097F]/);
  });
});
