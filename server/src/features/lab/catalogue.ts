import { readFileSync } from 'node:fs';
import type { SearchRequest } from '@medplum/core';
import type { ActivityDefinition, Bundle, ObservationDefinition, Reference, Resource, SpecimenDefinition } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import type { Catalogue } from './catalogue-match.ts';
import { CATALOGUE_TAG, LOINC, UCUM } from './fhir.ts';

export { analytesOf, type Catalogue, testFor } from './catalogue-match.ts';

/**
 * The lab catalogue of a tenant: ActivityDefinitions (orderable tests and panels) pointing at their
 * SpecimenDefinition (container) and ObservationDefinitions (analytes, units, ranges). The starter
 * catalogue (catalogue.json) is loaded into a tenant through its own repository; an entry the
 * tenant already has (found by its meta.tag key) is left as the tenant edited it.
 */

export const STARTER_CATALOGUE = new URL('./catalogue.json', import.meta.url);

export function readCatalogue(file: URL = STARTER_CATALOGUE): Bundle {
  return JSON.parse(readFileSync(file, 'utf8')) as Bundle;
}

/** LOINC's check digit (the last digit, after the hyphen) is the Luhn mod-10 digit of the rest. */
export function loincCheckDigitOk(code: string): boolean {
  const m = /^(\d{1,7})-(\d)$/.exec(code);
  if (!m) return false;
  let sum = 0;
  const digits = m[1].split('').reverse().map(Number);
  digits.forEach((d, i) => {
    const v = i % 2 === 0 ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
  });
  return (10 - (sum % 10)) % 10 === Number(m[2]);
}

const keyOf = (r: Resource) => r.meta?.tag?.find((t) => t.system === CATALOGUE_TAG)?.code;

/** What is wrong with a catalogue Bundle (empty: nothing): dangling references, bad LOINC codes, ranges upside down. */
export function catalogueProblems(bundle: Bundle): string[] {
  const problems: string[] = [];
  const urls = new Set((bundle.entry ?? []).map((e) => e.fullUrl));
  for (const e of bundle.entry ?? []) {
    const r = e.resource as Resource;
    const key = keyOf(r) ?? e.fullUrl;
    if (!keyOf(r)) problems.push(`${e.fullUrl}: no ${CATALOGUE_TAG} tag`);
    const loincs = ((r as ActivityDefinition | ObservationDefinition).code?.coding ?? []).filter((c) => c.system === LOINC);
    for (const c of loincs) if (!loincCheckDigitOk(c.code ?? '')) problems.push(`${key}: LOINC ${c.code} fails its check digit`);
    if (r.resourceType === 'ActivityDefinition') {
      for (const ref of [...(r.specimenRequirement ?? []), ...(r.observationResultRequirement ?? [])]) {
        if (!urls.has(ref.reference)) problems.push(`${key}: ${ref.reference} is not in the catalogue`);
      }
      if (!r.specimenRequirement?.length) problems.push(`${key}: no specimen requirement`);
    }
    if (r.resourceType === 'ObservationDefinition') {
      if (!loincs.length) problems.push(`${key}: no LOINC code`);
      const unit = r.quantitativeDetails?.unit?.coding?.find((c) => c.system === UCUM)?.code;
      if (r.permittedDataType?.includes('Quantity') && !unit) problems.push(`${key}: a quantity without a UCUM unit`);
      for (const i of r.qualifiedInterval ?? []) {
        const { low, high } = i.range ?? {};
        if (low?.value === undefined && high?.value === undefined) problems.push(`${key}: an interval without bounds`);
        if (low?.value !== undefined && high?.value !== undefined && low.value > high.value)
          problems.push(`${key}: an interval with low above high`);
        for (const q of [low, high]) if (q && q.code !== unit) problems.push(`${key}: an interval in ${q.code}, not ${unit}`);
      }
    }
  }
  return problems;
}

const TYPES_IN_ORDER = ['SpecimenDefinition', 'ObservationDefinition', 'ActivityDefinition'] as const;

function rewrite(r: ActivityDefinition, ids: Map<string, string>): ActivityDefinition {
  const to = <T extends Resource>(ref: Reference<T>): Reference<T> => ({ reference: ids.get(ref.reference ?? '') ?? ref.reference });
  return {
    ...r,
    specimenRequirement: r.specimenRequirement?.map(to),
    observationResultRequirement: r.observationResultRequirement?.map(to),
  };
}

/**
 * Loads the catalogue into the repository's tenant, in one transaction. Entries the tenant has
 * (same tag key) are kept as they are. Returns how many were created and kept.
 */
export async function loadLabCatalogue(
  repo: PostgresRepository,
  bundle: Bundle = readCatalogue(),
): Promise<{ created: number; kept: number }> {
  const problems = catalogueProblems(bundle);
  if (problems.length) throw new Error(`The lab catalogue is not valid: ${problems.join('; ')}`);
  return repo.withTransaction(
    async (tx) => {
      const ids = new Map<string, string>();
      let created = 0;
      let kept = 0;
      for (const type of TYPES_IN_ORDER) {
        const existing = new Map<string, string>();
        const found = await tx.searchResources({
          resourceType: type,
          filters: [{ code: '_tag', operator: 'eq', value: `${CATALOGUE_TAG}|` }],
          count: 1000,
        } as unknown as SearchRequest<Resource>);
        for (const r of found) {
          const key = keyOf(r);
          if (key) existing.set(key, r.id);
        }
        for (const e of bundle.entry ?? []) {
          const r = e.resource as Resource;
          if (r.resourceType !== type) continue;
          const key = keyOf(r) as string;
          const have = existing.get(key);
          if (have) {
            kept++;
            ids.set(e.fullUrl as string, `${type}/${have}`);
            continue;
          }
          const body =
            type === 'ActivityDefinition' ? rewrite(r as ActivityDefinition, ids) : (r as SpecimenDefinition | ObservationDefinition);
          const made = await tx.createResource<Resource>(body as Resource);
          ids.set(e.fullUrl as string, `${type}/${made.id}`);
          created++;
        }
      }
      return { created, kept };
    },
    { resourceTypes: [...TYPES_IN_ORDER] },
  );
}

/** Reads the tenant's active tests with their analytes and containers (small: tens to a few hundred). */
export async function readTenantCatalogue(tx: PostgresRepository): Promise<Catalogue> {
  const tests = await tx.searchResources<ActivityDefinition>({
    resourceType: 'ActivityDefinition',
    filters: [{ code: 'status', operator: 'eq', value: 'active' }],
    count: 1000,
  } as unknown as SearchRequest<ActivityDefinition>);
  const analytes = new Map(
    (
      await tx.searchResources<ObservationDefinition>({
        resourceType: 'ObservationDefinition',
        count: 1000,
      } as SearchRequest<ObservationDefinition>)
    ).map((o) => [o.id, o] as const),
  );
  const specimens = new Map(
    (
      await tx.searchResources<SpecimenDefinition>({ resourceType: 'SpecimenDefinition', count: 1000 } as SearchRequest<SpecimenDefinition>)
    ).map((s) => [s.id, s] as const),
  );
  return { tests, analytes, specimens };
}
