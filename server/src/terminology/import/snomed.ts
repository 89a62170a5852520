import { basename } from 'node:path';
import {
  type ImportStats,
  type ReplaceOptions,
  SNOMED_CT,
  type SystemMeta,
  type TerminologyItem,
  type TerminologyStore,
} from '../store.ts';
import { lines, listFiles, ReleaseError } from './files.ts';

/**
 * SNOMED CT RF2 Snapshot importer: the International edition and any extension layered on it
 * (the India extension), from one folder holding the release packages. Reads, streaming:
 *
 * - `der2_cRefset_LanguageSnapshot-*`: which descriptions are preferred or acceptable (kept in
 *   memory as one small number per description id: the only whole-file state);
 * - `sct2_Description_Snapshot-*`: every active FSN and synonym acceptable in a language refset
 *   becomes a designation; the US English preferred term becomes the display;
 * - `sct2_Concept_Snapshot_*`: the concepts, active or not;
 * - `sct2_Relationship_Snapshot_*`: active inferred is-a (116680003) rows become parent edges.
 *
 * Where several packages hold a row with the same id, the one with the latest effectiveTime wins
 * (the smaller files are held in memory for that, the largest is streamed).
 */

const FSN = '900000000000003001';
const SYNONYM = '900000000000013009';
const PREFERRED = '900000000000548007';
const ACCEPTABLE = '900000000000549004';
const IS_A = '116680003';
const SUFFICIENTLY_DEFINED = '900000000000073002';
const INTERNATIONAL_CORE = '900000000000207008';
/** US English: decides the display unless `displayRefset` says otherwise. */
export const US_ENGLISH_REFSET = '900000000000509007';

const COLUMNS = {
  concept: ['id', 'effectiveTime', 'active', 'moduleId', 'definitionStatusId'],
  description: ['id', 'effectiveTime', 'active', 'moduleId', 'conceptId', 'languageCode', 'typeId', 'term', 'caseSignificanceId'],
  relationship: [
    'id',
    'effectiveTime',
    'active',
    'moduleId',
    'sourceId',
    'destinationId',
    'relationshipGroup',
    'typeId',
    'characteristicTypeId',
    'modifierId',
  ],
  language: ['id', 'effectiveTime', 'active', 'moduleId', 'refsetId', 'referencedComponentId', 'acceptabilityId'],
} as const;
type Kind = keyof typeof COLUMNS;

const PATTERNS: Record<Kind, RegExp> = {
  concept: /^sct2_Concept_Snapshot_.*\.txt$/,
  description: /^sct2_Description_Snapshot[-_].*\.txt$/,
  relationship: /^sct2_Relationship_Snapshot_.*\.txt$/,
  language: /^der2_cRefset_LanguageSnapshot[-_].*\.txt$/,
};

export interface SnomedOptions extends ReplaceOptions {
  /** The version to record; default `http://snomed.info/sct/<module>/version/<date>` from the files. */
  version?: string;
  /** The language refset whose preferred synonym becomes the display (default US English). */
  displayRefset?: string;
}

interface Rf2File {
  path: string;
  name: string;
  size: number;
  date: string;
}

export interface SnomedRelease {
  concept: Rf2File[];
  description: Rf2File[];
  relationship: Rf2File[];
  language: Rf2File[];
}

/** Finds the Snapshot files of every package under `folder` (Full and Delta files are ignored). */
export function findSnomedRelease(folder: string): SnomedRelease {
  const release: SnomedRelease = { concept: [], description: [], relationship: [], language: [] };
  for (const f of listFiles(folder)) {
    for (const kind of Object.keys(PATTERNS) as Kind[]) {
      if (!PATTERNS[kind].test(f.name)) continue;
      const date = /_(\d{8})(?:T\d{6}Z?)?\.txt$/.exec(f.name)?.[1];
      if (!date) throw new ReleaseError(`${f.name}: no release date (YYYYMMDD) at the end of the file name`);
      release[kind].push({ ...f, date });
    }
  }
  if (release.concept.length === 0) throw new ReleaseError(`No SNOMED CT RF2 snapshot (sct2_Concept_Snapshot_*.txt) under ${folder}`);
  if (release.description.length === 0) throw new ReleaseError(`No sct2_Description_Snapshot-*.txt under ${folder}`);
  if (release.relationship.length === 0) throw new ReleaseError(`No sct2_Relationship_Snapshot_*.txt under ${folder}`);
  return release;
}

/** The rows of one RF2 file, checking the header and every row's column count. */
async function* rf2Rows(file: Rf2File, kind: Kind): AsyncGenerator<string[]> {
  const expected = COLUMNS[kind];
  let n = 0;
  for await (const line of lines(file.path)) {
    n++;
    if (n === 1) {
      const header = line.split('\t');
      if (expected.some((c, i) => header[i] !== c)) {
        throw new ReleaseError(`${file.name}: not an RF2 ${kind} file (header ${header.slice(0, expected.length).join(', ')})`);
      }
      continue;
    }
    if (line === '') continue;
    const row = line.split('\t');
    if (row.length !== expected.length) {
      throw new ReleaseError(`${file.name} line ${n}: ${row.length} columns where ${expected.length} were expected (truncated file?)`);
    }
    yield row;
  }
  if (n === 0) throw new ReleaseError(`${file.name}: empty file`);
}

/**
 * The rows of several files of one kind, one row per id: the latest effectiveTime wins, and on a
 * tie the later package. All but the largest file are held in memory (extensions are small next
 * to the International edition), the largest is streamed.
 */
async function* layeredRows(
  files: Rf2File[],
  kind: Kind,
  keep: (row: string[]) => boolean = () => true,
): AsyncGenerator<{ row: string[]; file: Rf2File }> {
  if (files.length === 0) return;
  const [largest, ...others] = [...files].sort((a, b) => b.size - a.size);
  const overlay = new Map<string, { row: string[]; file: Rf2File }>();
  for (const file of others.sort((a, b) => a.date.localeCompare(b.date))) {
    for await (const row of rf2Rows(file, kind)) {
      if (!keep(row)) continue;
      const prev = overlay.get(row[0]);
      if (!prev || prev.row[1] <= row[1]) overlay.set(row[0], { row, file });
    }
  }
  for await (const row of rf2Rows(largest, kind)) {
    if (!keep(row)) continue;
    const o = overlay.get(row[0]);
    if (o) {
      if (o.row[1] > row[1] || (o.row[1] === row[1] && o.file.date >= largest.date)) continue;
      overlay.delete(row[0]);
    }
    yield { row, file: largest };
  }
  yield* overlay.values();
}

/**
 * A compact Map key for an SCTID: a number when it fits exactly (International ids do), else the
 * string copied out of its line (a substring would keep the whole line alive in V8).
 */
function idKey(id: string): number | string {
  return id.length <= 15 ? Number(id) : flat(id);
}

function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

// Bits of a description's acceptability.
const IS_ACCEPTABLE = 1;
const IS_PREFERRED = 2;
const IS_DISPLAY = 4;

/** The items of a release: designations first (they decide displays), then concepts, then edges. */
export async function* snomedItems(release: SnomedRelease, meta: SystemMeta, options: SnomedOptions = {}): AsyncGenerator<TerminologyItem> {
  const displayRefset = options.displayRefset ?? US_ENGLISH_REFSET;
  let acceptability: Map<number | string, number> | undefined;
  if (release.language.length > 0) {
    acceptability = new Map<number | string, number>();
    for await (const { row } of layeredRows(release.language, 'language')) {
      if (row[2] !== '1') continue;
      const [, , , , refsetId, descriptionId, acceptabilityId] = row;
      const key = idKey(descriptionId);
      let flags = acceptability.get(key) ?? 0;
      if (acceptabilityId === PREFERRED) flags |= IS_ACCEPTABLE | IS_PREFERRED | (refsetId === displayRefset ? IS_DISPLAY : 0);
      else if (acceptabilityId === ACCEPTABLE) flags |= IS_ACCEPTABLE;
      acceptability.set(key, flags);
    }
  }

  // The best display candidate per concept: the display refset's preferred synonym, else a
  // preferred English synonym, else an acceptable English synonym, else the FSN without its tag.
  const displays = new Map<number | string, { score: number; term: string }>();
  for await (const { row } of layeredRows(release.description, 'description')) {
    const [id, , active, , conceptId, language, typeId, term] = row;
    if (active !== '1' || (typeId !== FSN && typeId !== SYNONYM)) continue;
    const flags = acceptability ? (acceptability.get(idKey(id)) ?? 0) : IS_ACCEPTABLE;
    if (flags === 0) continue;
    const fsn = typeId === FSN;
    yield {
      kind: 'designation',
      code: conceptId,
      value: term,
      language,
      use: { system: SNOMED_CT, code: typeId },
      preferred: !fsn && (flags & IS_PREFERRED) !== 0,
      searchable: !fsn,
    };
    const english = language === 'en';
    const score = fsn ? (english ? 1 : 0) : (flags & IS_DISPLAY) !== 0 ? 5 : english && (flags & IS_PREFERRED) !== 0 ? 4 : english ? 2 : 0;
    const key = idKey(conceptId);
    const best = displays.get(key);
    if (!best || score > best.score) displays.set(key, { score, term: flat(fsn ? term.replace(/\s+\([^()]+\)$/, '') : term) });
  }
  acceptability = undefined;

  const latest =
    release.concept
      .map((f) => f.date)
      .sort()
      .at(-1) ?? '';
  const modules = new Map<string, number>();
  for await (const { row, file } of layeredRows(release.concept, 'concept')) {
    const [id, effectiveTime, active, moduleId, definitionStatusId] = row;
    if (file.date === latest) modules.set(moduleId, (modules.get(moduleId) ?? 0) + 1);
    yield {
      kind: 'concept',
      code: id,
      display: displays.get(idKey(id))?.term ?? id,
      active: active === '1',
      properties: { moduleId, effectiveTime, sufficientlyDefined: definitionStatusId === SUFFICIENTLY_DEFINED },
    };
  }
  displays.clear();

  const isA = (row: string[]) => row[7] === IS_A;
  for await (const { row } of layeredRows(release.relationship, 'relationship', isA)) {
    if (row[2] === '1') yield { kind: 'parent', child: row[4], parent: row[5] };
  }

  if (!options.version) {
    // The edition: the module most concepts of the newest package belong to.
    const module = release.concept.every((f) => /_INT_/.test(f.name))
      ? INTERNATIONAL_CORE
      : [...modules].sort((a, b) => b[1] - a[1])[0]?.[0];
    meta.version = `${SNOMED_CT}/${module}/version/${latest}`;
  }
}

/** Imports the RF2 snapshot packages under `folder`, replacing the loaded SNOMED CT. */
export async function importSnomed(
  store: TerminologyStore,
  folder: string,
  options: SnomedOptions = {},
): Promise<ImportStats & { version: string }> {
  const release = findSnomedRelease(folder);
  const meta: SystemMeta = {
    url: SNOMED_CT,
    name: 'SNOMED CT',
    version: options.version ?? '',
    source: [...release.concept.map((f) => basename(f.path))].join(', '),
  };
  const stats = await store.replaceSystem(meta, snomedItems(release, meta, options), options);
  return { ...stats, version: meta.version };
}
