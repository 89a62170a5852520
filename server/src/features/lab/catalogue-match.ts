import type { WithId } from '@medplum/core';
import type { ActivityDefinition, ObservationDefinition, SpecimenDefinition } from '@medplum/fhirtypes';

// Order-to-test matching over a catalogue already read: no database or file access, so the Lab
// app (apps/lab) matches and lays out results exactly as the server does.

/** The tenant's catalogue, as the result operations use it. */
export interface Catalogue {
  tests: WithId<ActivityDefinition>[];
  analytes: Map<string, WithId<ObservationDefinition>>;
  specimens: Map<string, WithId<SpecimenDefinition>>;
}

const norm = (s: string | undefined) =>
  (s ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * The catalogue test an order is for: a coding in common (LOINC, or the SNOMED CT procedure the
 * OPD orders by), else the order's text equal to the test's title or one of its aliases (the OPD
 * orders some tests as text only).
 */
export function testFor(catalogue: Catalogue, code: { coding?: { system?: string; code?: string }[]; text?: string } | undefined) {
  const codings = code?.coding ?? [];
  const byCode = catalogue.tests.find((t) => t.code?.coding?.some((c) => codings.some((o) => o.system === c.system && o.code === c.code)));
  if (byCode) return byCode;
  const text = norm(code?.text);
  if (!text) return undefined;
  return catalogue.tests.find((t) => [t.title, t.code?.text, ...(t.subtitle ?? '').split(',')].some((n) => norm(n) === text));
}

/** The analytes of a test, in catalogue order. */
export function analytesOf(catalogue: Catalogue, test: ActivityDefinition): WithId<ObservationDefinition>[] {
  return (test.observationResultRequirement ?? [])
    .map((r) => catalogue.analytes.get((r.reference ?? '').replace(/^ObservationDefinition\//, '')))
    .filter((o): o is WithId<ObservationDefinition> => o !== undefined);
}
