import type { StarterConcept, StarterExtra } from '../../terminology/starter.ts';
import { ANALYTES, TESTS } from './catalogue-source.ts';
import { LOINC, SNOMED } from './fhir.ts';

/** SNOMED CT "Procedure": the starter's parent of the tests the OPD orders. */
const PROCEDURE = '71388002';

/**
 * The lab catalogue's tests as starter terminology, so a fresh installation's pickers find them by
 * the words a desk types (CBC, LFT, KFT, HbA1c, TSH) with the codes the catalogue orders and
 * reports them by, written once in catalogue-source.ts: SNOMED CT procedures for ordering, LOINC
 * for the panels and the analytes.
 */
export function labStarterTerminology(): StarterExtra[] {
  const snomed: StarterConcept[] = TESTS.flatMap((t) =>
    t.snomed ? [{ code: t.snomed[0], display: t.snomed[1], synonyms: names(t.snomed[1], t.title, ...t.aliases), parent: PROCEDURE }] : [],
  );
  const loinc = new Map<string, StarterConcept>();
  const add = (code: string, display: string, synonyms: string[]) => {
    const had = loinc.get(code);
    const all = names(had?.display ?? display, ...(had?.synonyms ?? []), display, ...synonyms);
    loinc.set(code, { code, display: had?.display ?? display, synonyms: all });
  };
  for (const t of TESTS) if (t.loinc) add(t.loinc, t.title, t.aliases);
  for (const a of ANALYTES) add(a.loinc, a.display, []);
  return [
    { url: SNOMED, name: 'SNOMED CT (Hospital-Ops starter set)', concepts: snomed },
    { url: LOINC, name: 'LOINC (Hospital-Ops starter set: the lab catalogue)', concepts: [...loinc.values()] },
  ];
}

/** The other names of a term: distinct, without the display itself. */
function names(display: string, ...others: string[]): string[] {
  return [...new Set(others)].filter((n) => n !== display);
}
