import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { SaxesParser } from 'saxes';
import { ICD_10, type ImportStats, type ReplaceOptions, type SystemMeta, type TerminologyItem, type TerminologyStore } from '../store.ts';
import { lines, listFiles, ReleaseError } from './files.ts';

/**
 * ICD-10 (WHO edition) importer. Two formats:
 *
 * - the WHO ClaML XML release: `<Class code kind="chapter|block|category">` with `<SuperClass>`
 *   (is-a edges), a `preferred` rubric (the display) and `inclusion`/`preferredLong` rubrics
 *   (searchable designations). Categories `<ModifiedBy>` a `<Modifier>` (E10-E14's fourth
 *   characters, say) get one subcategory per modifier class, as the WHO tabular list prints
 *   them. Streamed with saxes; only the modifiers (a few hundred) are held in memory.
 * - a plain text file of `CODE<TAB>Title` or fixed-width `CODE   Title` lines; a code's parent
 *   is the longest shorter code seen before it (A00.1 under A00).
 */

export interface Icd10Options extends ReplaceOptions {
  /** The edition; default the ClaML `<Title version>`, or a year in the text file's name. */
  version?: string;
}

interface ClassState {
  code: string;
  kind: string;
  usage?: string;
  supers: string[];
  modifiedBy: { code: string; all: boolean; valid: string[] }[];
  excluded: string[];
  display?: string;
  terms: { kind: string; value: string; language?: string }[];
}

interface ModifierClass {
  code: string;
  display: string;
  usage?: string;
}

const TERM_RUBRICS = new Set(['inclusion', 'preferredLong']);

/** The file `path` names, or the one ClaML/text file in that folder. */
export function findIcd10File(path: string): { path: string; format: 'claml' | 'text' } {
  const files = listFiles(path).filter((f) => /\.(xml|txt|tsv)$/i.test(f.name));
  if (files.length === 0) throw new ReleaseError(`No ICD-10 ClaML (.xml) or code list (.txt) at ${path}`);
  const claml = files.filter((f) => /\.xml$/i.test(f.name));
  const file = claml.length === 1 ? claml[0] : files.length === 1 ? files[0] : undefined;
  if (!file) throw new ReleaseError(`Several candidate files at ${path}: name the one to import`);
  const fd = openSync(file.path, 'r');
  const head = Buffer.alloc(1024);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const start = head.subarray(0, n).toString('utf8');
  return { path: file.path, format: /<ClaML[\s>]/.test(start) || /^\uFEFF?\s*<\?xml/.test(start) ? 'claml' : 'text' };
}

/** A subcategory title from its category's and its modifier class's: "Type 2 diabetes mellitus, without complications". */
function joinTitles(category: string, modifier: string): string {
  const lowered = /^[A-Z][a-z]/.test(modifier) ? modifier[0].toLowerCase() + modifier.slice(1) : modifier;
  return `${category}, ${lowered}`;
}

export async function* clamlItems(path: string, meta: SystemMeta, options: Icd10Options = {}): AsyncGenerator<TerminologyItem> {
  const parser = new SaxesParser({ fileName: basename(path) });
  const out: TerminologyItem[] = [];
  const modifiers = new Map<string, ModifierClass[]>();
  let cls: ClassState | undefined;
  let modifierClass: (ModifierClass & { modifier: string }) | undefined;
  let rubricKind: string | undefined;
  let label: { text: string; language?: string } | undefined;
  let title: string | undefined;
  let sawClaml = false;

  const emitClass = (c: ClassState) => {
    const display = c.display ?? c.code;
    const properties: Record<string, string> = { kind: c.kind };
    if (c.usage) properties.usage = c.usage;
    out.push({ kind: 'concept', code: c.code, display, properties });
    for (const t of c.terms)
      out.push({ kind: 'designation', code: c.code, value: t.value, language: t.language ?? 'en', use: { system: ICD_10, code: t.kind } });
    for (const s of c.supers) out.push({ kind: 'parent', child: c.code, parent: s });
    // Subcategories from modifiers, one level per <ModifiedBy> (4th character, then 5th...).
    let level = [{ code: c.code, display }];
    for (const m of c.modifiedBy) {
      const classes = (modifiers.get(m.code) ?? []).filter((mc) => (m.all || m.valid.includes(mc.code)) && !c.excluded.includes(m.code));
      if (classes.length === 0) continue;
      const next: { code: string; display: string }[] = [];
      for (const parent of level) {
        for (const mc of classes) {
          const code = parent.code + mc.code;
          const sub = { code, display: joinTitles(parent.display, mc.display) };
          out.push({
            kind: 'concept',
            code,
            display: sub.display,
            properties: { kind: 'category', ...(mc.usage ? { usage: mc.usage } : {}) },
          });
          out.push({ kind: 'parent', child: code, parent: parent.code });
          next.push(sub);
        }
      }
      level = next;
    }
  };

  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    switch (tag.name) {
      case 'ClaML':
        sawClaml = true;
        break;
      case 'Title':
        if (!options.version && a.version) meta.version = a.version;
        title = '';
        break;
      case 'ModifierClass':
        modifierClass = { code: a.code, modifier: a.modifier, display: a.code, usage: a.usage };
        break;
      case 'Class':
        if (!a.code) throw new ReleaseError(`${basename(path)}: a <Class> without a code`);
        cls = { code: a.code, kind: a.kind ?? 'category', usage: a.usage, supers: [], modifiedBy: [], excluded: [], terms: [] };
        break;
      case 'SuperClass':
        if (cls && a.code) cls.supers.push(a.code);
        break;
      case 'ModifiedBy':
        cls?.modifiedBy.push({ code: a.code, all: a.all !== 'false', valid: [] });
        break;
      case 'ValidModifierClass':
        cls?.modifiedBy.at(-1)?.valid.push(a.code);
        break;
      case 'ExcludeModifier':
        cls?.excluded.push(a.code);
        break;
      case 'Rubric':
        rubricKind = a.kind;
        break;
      case 'Label':
        label = { text: '', language: a['xml:lang'] };
        break;
    }
  });
  parser.on('text', (text) => {
    if (label) label.text += text;
    else if (title !== undefined) title += text;
  });
  parser.on('closetag', (tag) => {
    switch (tag.name) {
      case 'Title':
        title = undefined;
        break;
      case 'Label': {
        const value = label?.text.replace(/\s+/g, ' ').trim();
        label = undefined;
        if (!value) break;
        if (rubricKind === 'preferred') {
          if (cls) cls.display ??= value;
          else if (modifierClass) modifierClass.display = value;
        } else if (cls && rubricKind && TERM_RUBRICS.has(rubricKind)) {
          cls.terms.push({ kind: rubricKind, value });
        }
        break;
      }
      case 'Rubric':
        rubricKind = undefined;
        break;
      case 'ModifierClass':
        if (modifierClass) {
          const list = modifiers.get(modifierClass.modifier) ?? [];
          list.push({ code: modifierClass.code, display: modifierClass.display, usage: modifierClass.usage });
          modifiers.set(modifierClass.modifier, list);
        }
        modifierClass = undefined;
        break;
      case 'Class':
        if (cls) emitClass(cls);
        cls = undefined;
        break;
    }
  });
  parser.on('error', (err) => {
    throw new ReleaseError(err.message);
  });

  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    parser.write(chunk as string);
    yield* out.splice(0);
  }
  parser.close();
  yield* out.splice(0);
  if (!sawClaml) throw new ReleaseError(`${basename(path)}: not a ClaML file (no <ClaML> element)`);
  if (!meta.version) throw new ReleaseError(`${basename(path)}: no <Title version>: pass --version`);
}

const CODE = /^(?:[A-Z]\d{2}(?:\.\d{1,2}|\.[0-9A-Z])?|[A-Z]\d{2}-[A-Z]\d{2}|[IVXL]+)$/;

export async function* textItems(path: string, meta: SystemMeta, options: Icd10Options = {}): AsyncGenerator<TerminologyItem> {
  const seen = new Set<string>();
  let n = 0;
  for await (const line of lines(path)) {
    n++;
    if (!line.trim() || line.startsWith('#')) continue;
    const m = /^(\S+)[\t ]+(\S.*?)\s*$/.exec(line);
    // Without dagger/asterisk marks (E11.2†), and with the dot where a list leaves it out (A000).
    let code = m?.[1].replace(/[†*+]$/, '');
    if (code && /^[A-Z]\d{3,4}$/.test(code)) code = `${code.slice(0, 3)}.${code.slice(3)}`;
    if (!m || !code || !CODE.test(code))
      throw new ReleaseError(`${basename(path)} line ${n}: not an ICD-10 code and title: ${line.slice(0, 80)}`);
    yield {
      kind: 'concept',
      code,
      display: m[2],
      properties: { kind: /^[IVXL]+$/.test(code) ? 'chapter' : code.includes('-') ? 'block' : 'category' },
    };
    for (let p = code.slice(0, -1); p.length >= 3; p = p.slice(0, -1)) {
      const parent = p.replace(/\.$/, '');
      if (seen.has(parent)) {
        yield { kind: 'parent', child: code, parent };
        break;
      }
    }
    seen.add(code);
  }
  if (n === 0) throw new ReleaseError(`${basename(path)}: empty file`);
  if (!options.version) {
    const year = /(?:^|\D)((?:19|20)\d{2})(?:\D|$)/.exec(basename(path))?.[1];
    if (!year) throw new ReleaseError(`${basename(path)}: cannot tell the ICD-10 edition from the file name: pass --version`);
    meta.version = year;
  }
}

/** Imports an ICD-10 ClaML file (or code list), replacing the loaded ICD-10. */
export async function importIcd10(
  store: TerminologyStore,
  path: string,
  options: Icd10Options = {},
): Promise<ImportStats & { version: string }> {
  const file = findIcd10File(path);
  const meta: SystemMeta = { url: ICD_10, name: 'ICD-10', version: options.version ?? '', source: basename(file.path) };
  const items = file.format === 'claml' ? clamlItems(file.path, meta, options) : textItems(file.path, meta, options);
  const stats = await store.replaceSystem(meta, items, options);
  return { ...stats, version: meta.version };
}
