import type { BundleEntry, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { useBranch } from './session.tsx';

export interface BranchDoctor {
  role: PractitionerRole;
  practitioner: Practitioner;
  name: string;
}

export function practitionerName(p: Practitioner | undefined): string {
  const n = p?.name?.[0];
  return n?.text ?? [n?.prefix?.join(' '), n?.given?.join(' '), n?.family].filter(Boolean).join(' ') ?? '';
}

/** The doctors working at the user's branch: their PractitionerRoles with the Practitioners. */
export function useBranchDoctors(): BranchDoctor[] | undefined {
  const medplum = useMedplum();
  const branch = useBranch();
  const [doctors, setDoctors] = useState<BranchDoctor[]>();
  useEffect(() => {
    const query: Record<string, string> = { active: 'true', _include: 'PractitionerRole:practitioner', _count: '100' };
    if (branch) query.organization = `Organization/${branch}`;
    medplum
      .search('PractitionerRole', query)
      .then((result) => {
        const bundle = result as { entry?: BundleEntry[] };
        const practitioners = new Map(
          bundle.entry
            ?.filter((e) => e.resource?.resourceType === 'Practitioner')
            .map((e) => [`Practitioner/${e.resource?.id}`, e.resource as Practitioner]),
        );
        const roles =
          bundle.entry?.filter((e) => e.resource?.resourceType === 'PractitionerRole').map((e) => e.resource as PractitionerRole) ?? [];
        setDoctors(
          roles
            .filter((r) => r.practitioner?.reference && practitioners.has(r.practitioner.reference))
            .map((role) => {
              const practitioner = practitioners.get(role.practitioner?.reference ?? '') as Practitioner;
              return { role, practitioner, name: practitionerName(practitioner) };
            })
            .sort((a, b) => a.name.localeCompare(b.name)),
        );
      })
      .catch(() => setDoctors([]));
  }, [medplum, branch]);
  return doctors;
}
