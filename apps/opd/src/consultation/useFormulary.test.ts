import { describe, expect, it } from 'vitest';
import { formularyMedications } from '../prescribing/formulary-fixture.ts';
import { searchFormulary, usageOf } from './useFormulary.ts';

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

  it('puts the tablets this clinic prescribes most first, without lifting a syrup above a tablet', () => {
    const tablets = (query: string, usage = new Map<string, number>()) =>
      searchFormulary(formulary, query, 15, usage)
        .map((m) => m.id)
        .filter((id) => /^paracetamol-\d+-tablet$/.test(id ?? ''));
    const line = (text: string) => ({
      resourceType: 'MedicationRequest' as const,
      status: 'active' as const,
      intent: 'order' as const,
      subject: {},
      medicationCodeableConcept: { text },
    });
    // A clinic that writes Paracetamol 650 most: it comes before the 500 mg it otherwise follows by name.
    const usage = usageOf([
      line('Paracetamol 650 mg tablet'),
      line('Paracetamol 650 mg tablet'),
      line('Paracetamol 500 mg tablet'),
      line('Paracetamol 250 mg/5 mL oral suspension'),
      line('Paracetamol 250 mg/5 mL oral suspension'),
      line('Paracetamol 250 mg/5 mL oral suspension'),
    ]);
    expect(usage.get('Paracetamol 650 mg tablet')).toBe(2);
    expect(tablets('paracetamol')).toEqual(['paracetamol-500-tablet', 'paracetamol-650-tablet']);
    expect(tablets('paracetamol', usage)).toEqual(['paracetamol-650-tablet', 'paracetamol-500-tablet']);
    // The syrup, though written most, stays after the adult forms.
    const dolo = searchFormulary(formulary, 'Dolo', 15, usage).map((m) => m.id);
    expect(dolo).toEqual(['paracetamol-650-tablet', 'paracetamol-250-suspension']);
  });
});
