import type { Medication, MedicationRequest } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { BRAND_NAME_URL } from '../fhir/systems.ts';

export function brandsOf(m: Medication): string[] {
  return m.extension?.filter((e) => e.url === BRAND_NAME_URL && e.valueString).map((e) => e.valueString as string) ?? [];
}

/** "Paracetamol 650 mg tablet (Dolo 650, Calpol 650)": generic first, brands after, all searchable. */
export function formularyLabel(m: Medication): string {
  const brands = brandsOf(m);
  return `${m.code?.text ?? m.code?.coding?.[0]?.display ?? m.id}${brands.length ? ` (${brands.join(', ')})` : ''}`;
}

/** Adult oral solids first: what an OPD prescribes most; liquids and drops (mostly for children) last. */
function formRank(m: Medication): number {
  const text = `${m.code?.text ?? ''} ${m.form?.text ?? m.form?.coding?.[0]?.display ?? ''}`.toLowerCase();
  if (/\b(tablet|capsule)/.test(text)) return 0;
  if (/\b(syrup|suspension|drops|paediatric|pediatric|solution)/.test(text)) return 2;
  return 1;
}

/** How often this clinic prescribed each product lately, by its name (MedicationRequest text = formulary code text). */
export type Usage = ReadonlyMap<string, number>;

/** Counts the products of recent MedicationRequests by name. */
export function usageOf(requests: MedicationRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const name = r.medicationCodeableConcept?.text;
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * The formulary entries a typed search finds, best first (docs/opd.md, "Finding a medicine"):
 * 1. a generic or brand name that starts with what was typed, before one that merely contains it;
 * 2. the dose form an adult OPD prescribes: tablets and capsules, then the rest, then syrups and
 *    drops (so "Dolo" offers Dolo 650 before the paediatric suspension);
 * 3. what this clinic prescribed most lately (`usage`, counted from its own MedicationRequests);
 * 4. alphabetical.
 */
export function searchFormulary(formulary: Medication[], query: string, limit = 15, usage: Usage = new Map()): Medication[] {
  const q = query.trim().toLowerCase();
  if (q.length < 2) return [];
  const names = (m: Medication) => [m.code?.text ?? '', ...brandsOf(m)].map((n) => n.toLowerCase());
  const ranked = formulary
    .filter((m) => formularyLabel(m).toLowerCase().includes(q))
    .map((m) => ({
      m,
      starts: names(m).some((n) => n.startsWith(q)) ? 0 : 1,
      form: formRank(m),
      used: usage.get(m.code?.text ?? '') ?? 0,
      label: formularyLabel(m),
    }));
  ranked.sort((a, b) => a.starts - b.starts || a.form - b.form || b.used - a.used || a.label.localeCompare(b.label));
  return ranked.slice(0, limit).map((r) => r.m);
}

/** How many recent prescription lines the usage count looks at: a few weeks of a busy OPD. */
const USAGE_WINDOW = 500;

/**
 * The clinic's own prescribing, counted once per screen from its latest MedicationRequests (the
 * server answers only the tenant's, and only what this user may read). Empty until loaded or if
 * the search fails: the ranking then falls back to form and name.
 */
export function usePrescribingUsage(): Usage {
  const medplum = useMedplum();
  const [usage, setUsage] = useState<Usage>(new Map());
  useEffect(() => {
    medplum
      .searchResources('MedicationRequest', { _sort: '-_lastUpdated', _count: String(USAGE_WINDOW) })
      .then((recent) => setUsage(usageOf(recent)))
      .catch(() => setUsage(new Map()));
  }, [medplum]);
  return usage;
}

/**
 * The tenant's formulary, loaded once per screen: a hospital's list is a few hundred to a few
 * thousand products, small enough to filter on every keystroke without a round trip.
 */
export function useFormulary(): Medication[] | undefined {
  const medplum = useMedplum();
  const [list, setList] = useState<Medication[]>();
  useEffect(() => {
    medplum
      .searchResources('Medication', { status: 'active', _count: '1000' })
      .then((all) => setList([...all].sort((a, b) => formularyLabel(a).localeCompare(formularyLabel(b)))))
      .catch(() => setList([]));
  }, [medplum]);
  return list;
}
