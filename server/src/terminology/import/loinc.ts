import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import {
  type ImportStats,
  LOINC,
  type ReplaceOptions,
  SNOMED_CT,
  type SystemMeta,
  type TerminologyItem,
  type TerminologyStore,
} from '../store.ts';
import { listFiles, ReleaseError } from './files.ts';

/**
 * LOINC importer: `Loinc.csv` (the LOINC table: one term per row, quoted CSV, columns found by
 * header name) and, when present, the hierarchy files `MultiAxialHierarchy.csv` and
 * `ComponentHierarchyBySystem.csv` (PATH_TO_ROOT, SEQUENCE, IMMEDIATE_PARENT, CODE, CODE_TEXT),
 * whose LP part codes become concepts and whose IMMEDIATE_PARENT links become is-a edges.
 * Streamed with csv-parse; a DEPRECATED term is imported inactive.
 */

/** Term columns kept as concept properties (HL7's LOINC CodeSystem uses the same names). */
const PROPERTIES = [
  'COMPONENT',
  'PROPERTY',
  'TIME_ASPCT',
  'SYSTEM',
  'SCALE_TYP',
  'METHOD_TYP',
  'CLASS',
  'CLASSTYPE',
  'STATUS',
  'STATUS_REASON',
  'STATUS_TEXT',
  'ORDER_OBS',
  'EXAMPLE_UCUM_UNITS',
  'PanelType',
  'VersionFirstReleased',
  'VersionLastChanged',
];
const HIERARCHY_COLUMNS = ['PATH_TO_ROOT', 'SEQUENCE', 'IMMEDIATE_PARENT', 'CODE', 'CODE_TEXT'];
const FSN = '900000000000003001';

export interface LoincRelease {
  table: string;
  hierarchies: string[];
}

export interface LoincOptions extends ReplaceOptions {
  /** The LOINC version (e.g. 2.80); default from a `Loinc_2.80` folder name, else the newest VersionLastChanged. */
  version?: string;
}

export function findLoincRelease(folder: string): LoincRelease {
  const files = listFiles(folder);
  const tables = files.filter((f) => f.name.toLowerCase() === 'loinc.csv');
  if (tables.length === 0) throw new ReleaseError(`No Loinc.csv under ${folder}`);
  if (tables.length > 1) throw new ReleaseError(`Several Loinc.csv under ${folder}: ${tables.map((t) => t.path).join(', ')}`);
  const hierarchies = files.filter((f) => /^(MultiAxialHierarchy|ComponentHierarchyBySystem)\.csv$/i.test(f.name)).map((f) => f.path);
  return { table: tables[0].path, hierarchies };
}

/** The records of a CSV file with a header row, streamed; checks that `required` columns exist. */
async function* csvRecords(path: string, required: string[]): AsyncGenerator<Record<string, string>> {
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const missing = required.filter((c) => !header.includes(c));
        if (missing.length > 0) throw new ReleaseError(`${path}: no column ${missing.join(', ')} in the header`);
        return header;
      },
      skip_empty_lines: true,
    }),
  );
  try {
    for await (const record of parser) yield record as Record<string, string>;
  } catch (err) {
    if (err instanceof ReleaseError) throw err;
    throw new ReleaseError(`${path}: ${(err as Error).message}`);
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function* loincItems(release: LoincRelease, meta: SystemMeta, options: LoincOptions = {}): AsyncGenerator<TerminologyItem> {
  let newest = '';
  const terms = new Set<string>();
  for await (const r of csvRecords(release.table, ['LOINC_NUM', 'LONG_COMMON_NAME', 'STATUS'])) {
    const code = r.LOINC_NUM.trim();
    if (!code) continue;
    terms.add(code);
    const fsn = ['COMPONENT', 'PROPERTY', 'TIME_ASPCT', 'SYSTEM', 'SCALE_TYP', 'METHOD_TYP']
      .map((c) => r[c] ?? '')
      .join(':')
      .replace(/:+$/, '');
    const display = r.LONG_COMMON_NAME || r.DisplayName || fsn || code;
    const properties: Record<string, string> = {};
    for (const p of PROPERTIES) if (r[p]) properties[p] = r[p];
    yield { kind: 'concept', code, display, active: r.STATUS !== 'DEPRECATED', properties };
    if (fsn) yield { kind: 'designation', code, value: fsn, language: 'en', use: { system: SNOMED_CT, code: FSN }, searchable: false };
    const seen = new Set([display]);
    for (const column of ['SHORTNAME', 'DisplayName', 'CONSUMER_NAME']) {
      const value = r[column];
      if (!value || seen.has(value)) continue;
      seen.add(value);
      yield { kind: 'designation', code, value, language: 'en', use: { system: LOINC, code: column } };
    }
    // Related names (a ;-separated list: HbA1c, SGPT...) as one searchable term: type-ahead finds a
    // word in it without a row per name.
    if (r.RELATEDNAMES2)
      yield { kind: 'designation', code, value: r.RELATEDNAMES2, language: 'en', use: { system: LOINC, code: 'RELATEDNAMES2' } };
    const changed = r.VersionLastChanged;
    if (changed && /^\d+(\.\d+)*$/.test(changed) && compareVersions(changed, newest || '0') > 0) newest = changed;
  }
  for (const file of release.hierarchies) {
    for await (const r of csvRecords(file, HIERARCHY_COLUMNS)) {
      const code = r.CODE.trim();
      if (!code) continue;
      // Parts exist only here; terms keep their LONG_COMMON_NAME from Loinc.csv.
      if (!terms.has(code)) yield { kind: 'concept', code, display: r.CODE_TEXT || code, properties: { CLASSTYPE: 'part' } };
      if (r.IMMEDIATE_PARENT) yield { kind: 'parent', child: code, parent: r.IMMEDIATE_PARENT.trim() };
    }
  }
  if (!options.version) {
    const fromPath = /Loinc_?(\d+\.\d+)/i.exec(release.table)?.[1];
    meta.version = fromPath ?? newest;
    if (!meta.version)
      throw new ReleaseError('Cannot tell the LOINC version (no Loinc_X.YY folder, no VersionLastChanged): pass --version');
  }
}

/** Imports the LOINC release under `folder`, replacing the loaded LOINC. */
export async function importLoinc(
  store: TerminologyStore,
  folder: string,
  options: LoincOptions = {},
): Promise<ImportStats & { version: string }> {
  const release = findLoincRelease(folder);
  const meta: SystemMeta = { url: LOINC, name: 'LOINC', version: options.version ?? '', source: folder };
  const stats = await store.replaceSystem(meta, loincItems(release, meta, options), options);
  return { ...stats, version: meta.version };
}
