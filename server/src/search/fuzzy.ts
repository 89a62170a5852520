import { type Filter, getSearchParameter } from '@medplum/core';

/** The operator the compiler reads as trigram closeness over name rows. */
export const FUZZY = 'fuzzy';

/**
 * `phonetic` ("some kind of phonetic matching", R4) is read as a type-ahead over the name rows:
 * trigram closeness forgives the spelling variants a sound-alike search is for (Ramesh, Rmesh,
 * Rameshh), where a phonetic code built for English names would not fit Indian ones. Every text
 * match (plain, `:exact`, `:contains`, `_filter`'s eq) is that closeness; `:missing` stays itself.
 */
export function phoneticAsName(type: string, f: Filter): Filter {
  if (f.code !== 'phonetic' || getSearchParameter(type, 'name')?.type !== 'string') return f;
  return { ...f, code: 'name', operator: f.operator === 'missing' ? f.operator : (FUZZY as Filter['operator']) };
}
