// `npm run terminology -- <command>`: imports licensed terminology releases (SNOMED CT, LOINC,
// ICD-10) into the terminology tables and queries them, with JSON output. Uses the same
// environment as the server (DATABASE_URL, or the embedded database in DATA_DIR, which it refuses
// to open while a server has it open). Import progress goes to stderr.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { DataDirError } from '../db/data-lock.ts';
import type { Database } from '../db/database.ts';
import { openDatabase } from '../db/open.ts';
import { ReleaseError } from './import/files.ts';
import { importIcd10 } from './import/icd10.ts';
import { importLoinc } from './import/loinc.ts';
import { importSnomed } from './import/snomed.ts';
import { ICD_10, type ImportProgress, LOINC, SNOMED_CT, TerminologyStore, UnknownCodeError } from './store.ts';

const USAGE = `Usage: npm run terminology -- <command> [options]
  import snomed <folder> [--version V] [--display-refset ID]   RF2 snapshot(s): International and extensions
  import loinc <folder> [--version V]                          Loinc.csv and its hierarchy files
  import icd10 <file> [--version V]                            WHO ClaML XML, or a code<TAB>title list
  list                                                         imported code systems and their sizes
  lookup <system> <code> [--language L]
  search <system> <text> [--under CODE] [--count N] [--offset N] [--language L] [--inactive]
  subsumes <system> <codeA> <codeB>
<system>: snomed, loinc, icd10 or the code system URL.`;

const SYSTEMS: Record<string, string> = { snomed: SNOMED_CT, sct: SNOMED_CT, loinc: LOINC, icd10: ICD_10, 'icd-10': ICD_10 };

const options = {
  version: { type: 'string' },
  'display-refset': { type: 'string' },
  language: { type: 'string' },
  under: { type: 'string' },
  count: { type: 'string' },
  offset: { type: 'string' },
  inactive: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Opts = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

class UsageError extends Error {}

function arg(positionals: string[], i: number, name: string): string {
  const v = positionals[i];
  if (!v) throw new UsageError(`Missing ${name}`);
  return v;
}

function system(name: string): string {
  const url = SYSTEMS[name.toLowerCase()] ?? (/^(https?|urn):/.test(name) ? name : undefined);
  if (!url) throw new UsageError(`Unknown code system ${name}`);
  return url;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

function progress(quiet: boolean | undefined): ((p: ImportProgress) => void) | undefined {
  if (quiet) return undefined;
  let last = 0;
  return (p) => {
    const n = p.concepts + p.designations + p.parents;
    if (p.phase === 'loading' && n - last < 100_000) return;
    last = n;
    console.error(`${p.phase}: ${p.concepts} concepts, ${p.designations} designations, ${p.parents} is-a edges`);
  };
}

async function run(db: Database, positionals: string[], o: Opts): Promise<unknown> {
  const store = new TerminologyStore(db);
  const [command] = positionals;
  switch (command) {
    case 'import': {
      const kind = arg(positionals, 1, 'what to import (snomed, loinc or icd10)');
      const path = arg(positionals, 2, 'the release folder or file');
      const common = { version: o.version, onProgress: progress(o.quiet) };
      switch (kind) {
        case 'snomed':
          return importSnomed(store, path, { ...common, displayRefset: o['display-refset'] });
        case 'loinc':
          return importLoinc(store, path, common);
        case 'icd10':
        case 'icd-10':
          return importIcd10(store, path, common);
        default:
          throw new UsageError(`Cannot import ${kind}: snomed, loinc or icd10`);
      }
    }
    case 'list':
      return store.systems();
    case 'lookup': {
      const url = system(arg(positionals, 1, 'the code system'));
      const code = arg(positionals, 2, 'the code');
      const concept = await store.lookup(url, code, o.language);
      if (!concept) throw new UnknownCodeError(url, code);
      return concept;
    }
    case 'search':
      return store.search(system(arg(positionals, 1, 'the code system')), {
        filter: positionals.slice(2).join(' '),
        under: o.under,
        count: integer(o.count, 'count'),
        offset: integer(o.offset, 'offset'),
        language: o.language,
        activeOnly: !o.inactive,
      });
    case 'subsumes': {
      const url = system(arg(positionals, 1, 'the code system'));
      const a = arg(positionals, 2, 'codeA');
      const b = arg(positionals, 3, 'codeB');
      return { codeA: a, codeB: b, outcome: await store.subsumes(url, a, b) };
    }
    default:
      throw new UsageError(`Unknown command: ${command}`);
  }
}

let parsed: { values: Opts; positionals: string[] };
try {
  parsed = parseArgs({ options, allowPositionals: true, strict: true }) as { values: Opts; positionals: string[] };
} catch (err) {
  console.error(JSON.stringify({ error: (err as Error).message }));
  console.error(USAGE);
  process.exit(1);
}
const { values, positionals } = parsed;
if (values.help || positionals.length === 0) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 1);
}
let db: Database;
try {
  // Only an import may start a new embedded database; a query on an empty folder means a wrong DATA_DIR.
  db = await openDatabase(loadConfig(), { existing: positionals[0] !== 'import' });
} catch (err) {
  if (!(err instanceof DataDirError)) throw err;
  console.error(JSON.stringify({ error: err.message }));
  process.exit(1);
}
try {
  console.log(JSON.stringify(await run(db, positionals, values), null, 2));
} catch (err) {
  console.error(JSON.stringify({ error: (err as Error).message }));
  if (err instanceof UsageError) console.error(USAGE);
  else if (!(err instanceof ReleaseError || err instanceof UnknownCodeError)) console.error((err as Error).stack);
  process.exitCode = 1;
} finally {
  await db.close();
}
