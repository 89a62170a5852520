import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { hi } from './hi.ts';

type Tree = { [k: string]: string | Tree };
const leaves = (t: Tree, prefix = ''): [string, string][] =>
  Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v]] : leaves(v, `${prefix}${k}.`)));

describe('IPD strings', () => {
  it('has every English key in Hindi, in Devanagari, with the same placeholders', () => {
    const hindi = new Map(leaves(hi));
    for (const [key, text] of leaves(en)) {
      const h = hindi.get(key);
      expect(h, key).toBeDefined();
      expect(h, key).toMatch(/[\u0900-\u097F]/);
      const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(placeholders(h as string), key).toEqual(placeholders(text));
    }
  });
});
