import { readFileSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import { type SystemInfo, type TerminologyItem, TerminologyStore } from './store.ts';

/**
 * The starter terminology every installation has from its first start: the OPD's common diagnoses
 * (SNOMED CT with their ICD-10 codes), common allergens and everyday lab tests with the
 * abbreviations a desk types (CBC, LFT, HbA1c). The displays are written by the project (release
 * descriptions are not redistributed, see terminology/README.md). A hospital's own import of the
 * full release replaces a starter system; the starter never replaces an import.
 */

export const STARTER_FILES = ['snomed.json', 'icd10.json'].map((f) => new URL(`../../../terminology/starter/${f}`, import.meta.url));

/** `source` of a starter system in terminology_system, so a newer starter may replace an older one. */
export const STARTER_SOURCE = 'hospital-ops starter set';

interface StarterConcept {
  code: string;
  display: string;
  synonyms?: string[];
  parent?: string;
}

export interface StarterSystem {
  url: string;
  name: string;
  version: string;
  concepts: StarterConcept[];
}

export function readStarter(file: URL): StarterSystem {
  return JSON.parse(readFileSync(file, 'utf8')) as StarterSystem;
}

function* items(system: StarterSystem): Iterable<TerminologyItem> {
  for (const c of system.concepts) {
    yield { kind: 'concept', code: c.code, display: c.display, active: true };
    for (const value of c.synonyms ?? []) yield { kind: 'designation', code: c.code, value, language: 'en' };
    if (c.parent) yield { kind: 'parent', child: c.code, parent: c.parent };
  }
}

/** Whether the starter should (re)load: nothing there yet, or an older starter. An import is left alone. */
function wanted(current: SystemInfo | undefined, starter: StarterSystem): boolean {
  if (!current) return true;
  return current.source === STARTER_SOURCE && current.version !== starter.version;
}

/** Loads each starter system that is missing (or an older starter). Returns the systems loaded. */
export async function loadStarterTerminology(db: Database, files: URL[] = STARTER_FILES): Promise<string[]> {
  const store = new TerminologyStore(db);
  const loaded: string[] = [];
  for (const file of files) {
    const starter = readStarter(file);
    if (!wanted(await store.system(starter.url), starter)) continue;
    await store.replaceSystem({ url: starter.url, name: starter.name, version: starter.version, source: STARTER_SOURCE }, items(starter));
    loaded.push(starter.url);
  }
  return loaded;
}
