import { createHash } from 'node:crypto';
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

export interface StarterConcept {
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

/**
 * Concepts a hospital feature adds to the starter from its own data (the lab's tests and their
 * abbreviations from its catalogue), so the codes are written once. A system no file holds
 * becomes a starter system of its own.
 */
export interface StarterExtra {
  url: string;
  name: string;
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

/**
 * The starter systems: the files, with the extras merged in (a concept both give keeps the file's
 * display and gains the extra's synonyms). The version carries a digest of the extras, so a changed
 * catalogue reloads the starter.
 */
export function starterSystems(files: URL[] = STARTER_FILES, extras: StarterExtra[] = []): StarterSystem[] {
  const systems = new Map(files.map((f) => readStarter(f)).map((s) => [s.url, s]));
  for (const extra of extras) {
    const base = systems.get(extra.url) ?? { url: extra.url, name: extra.name, version: 'hospital-ops-starter-1', concepts: [] };
    const concepts = new Map(base.concepts.map((c) => [c.code, { ...c }]));
    for (const c of extra.concepts) {
      const had = concepts.get(c.code);
      const synonyms = [...new Set([...(had?.synonyms ?? []), ...(had ? [c.display] : []), ...(c.synonyms ?? [])])];
      const display = had?.display ?? c.display;
      concepts.set(c.code, { ...c, ...had, display, synonyms: synonyms.filter((v) => v !== display) });
    }
    const digest = createHash('sha256').update(JSON.stringify(extra.concepts)).digest('hex').slice(0, 8);
    systems.set(extra.url, { ...base, version: `${base.version}+${digest}`, concepts: [...concepts.values()] });
  }
  return [...systems.values()];
}

/** Loads each starter system that is missing (or an older starter). Returns the systems loaded. */
export async function loadStarterTerminology(db: Database, files: URL[] = STARTER_FILES, extras: StarterExtra[] = []): Promise<string[]> {
  const store = new TerminologyStore(db);
  const loaded: string[] = [];
  for (const starter of starterSystems(files, extras)) {
    if (!wanted(await store.system(starter.url), starter)) continue;
    await store.replaceSystem({ url: starter.url, name: starter.name, version: starter.version, source: STARTER_SOURCE }, items(starter));
    loaded.push(starter.url);
  }
  return loaded;
}
