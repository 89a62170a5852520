import { describe, expect, it } from 'vitest';
import { formularyMedications } from '../prescribing/formulary-fixture.ts';
import { searchFormulary } from './useFormulary.ts';

const formulary = [...formularyMedications().values()];
const ids = (query: string) => searchFormulary(formulary, query).map((m) => m.id);

describe('searching the formulary for a prescription', () => {
  it('offers the adult tablet first when a brand has a paediatric syrup too', () => {
    const dolo = ids('Dolo');
    expect(dolo[0]).toBe('paracetamol-650-tablet');
    expect(dolo).toContain('paracetamol-250-suspension');
    expect(dolo.indexOf('paracetamol-650-tablet')).toBeLessThan(dolo.indexOf('paracetamol-250-suspension'));
  });

  it('puts names that start with the search before those that only contain it', () => {
    // "Paracetamol" starts the single-ingredient products; combinations merely contain it.
    const found = ids('paracetamol');
    const combination = found.indexOf('ibuprofen-paracetamol-tablet');
    expect(combination).toBeGreaterThan(found.indexOf('paracetamol-500-tablet'));
    expect(combination).toBeGreaterThan(found.indexOf('paracetamol-100-drops'));
  });

  it('needs two letters, and caps the list', () => {
    expect(ids('p')).toEqual([]);
    expect(searchFormulary(formulary, 'ta', 5)).toHaveLength(5);
  });
});
