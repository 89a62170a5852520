import type { Medication } from '@medplum/fhirtypes';
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
