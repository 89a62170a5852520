/**
 * Reading the plans of what the server sends: capture every statement the runtime role's pg
 * clients run, then EXPLAIN each one as that role with the tenant set, and name every sequential
 * or bitmap heap scan over a table that holds many rows.
 */
import pg from 'pg';
import { APP_ROLE } from '../../src/db/database.ts';
import { deriveAppUrl } from '../../src/db/postgres.ts';

export interface Statement {
  text: string;
  values?: unknown[];
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Records the statements of the runtime role's connections from now until `stop()`. Scripts of
 * several statements (BEGIN with the tenant context, buffered writes sent with COMMIT) are split.
 */
export function captureStatements(): { stop(): Statement[] } {
  const captured: Statement[] = [];
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: pg.Client, ...args: unknown[]) {
    if ((this as unknown as { user?: string }).user === APP_ROLE) {
      const [config, values] = args;
      const text = typeof config === 'string' ? config : (config as { text?: string })?.text;
      const params = Array.isArray(values) ? values : (config as { values?: unknown[] })?.values;
      if (typeof text === 'string') {
        const parts = splitStatements(text);
        if (parts.length === 1) captured.push({ text: parts[0], values: params });
        else for (const part of parts) captured.push({ text: part });
      }
    }
    return original.apply(this, args);
  };
  return {
    stop() {
      proto.query = original;
      return captured;
    },
  };
}

/** Splits a script at top-level semicolons, minding quoted strings, identifiers and comments. */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i];
    if (c === "'") {
      // E'..' strings escape with backslashes as well as ''.
      const escaped = i > 0 && /[eE]/.test(script[i - 1]) && (i < 2 || !/\w/.test(script[i - 2]));
      i++;
      while (i < n) {
        if (escaped && script[i] === '\\') i += 2;
        else if (script[i] === "'" && script[i + 1] === "'") i += 2;
        else if (script[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      i = script.indexOf('"', i + 1) + 1 || n;
    } else if (c === '-' && script[i + 1] === '-') {
      i = script.indexOf('\n', i) + 1 || n;
    } else if (c === '$' && /^\$([A-Za-z_]\w*)?\$/.test(script.slice(i, i + 64))) {
      const tag = (/^\$([A-Za-z_]\w*)?\$/.exec(script.slice(i, i + 64)) as RegExpExecArray)[0];
      i = script.indexOf(tag, i + tag.length) + tag.length;
      if (i < tag.length) i = n;
    } else if (c === ';') {
      out.push(script.slice(start, i));
      start = ++i;
    } else i++;
  }
  out.push(script.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

// Transaction control and session settings have no plan.
const NO_PLAN = /^(BEGIN|COMMIT|ROLLBACK|SET|SAVEPOINT|RELEASE|SELECT set_config\()/i;

export interface ScanProblem {
  statement: string;
  node: string;
  table: string;
  rows: number;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

function* nodes(plan: PlanNode): Generator<PlanNode> {
  yield plan;
  for (const child of plan.Plans ?? []) yield* nodes(child);
}

/**
 * EXPLAINs each statement as the runtime role in a transaction with `tenantId` set (and rolled
 * back; EXPLAIN without ANALYZE runs nothing), with the statement's own parameters. Returns each
 * Seq Scan or Bitmap Heap Scan over a table of at least `minRows` rows (by its statistics), and
 * each index scan of such a table expected to return more than `maxRows` rows (an index on
 * tenant_id alone reads the tenant's rows just the same).
 */
export async function scansOverTenantRows(
  ownerUrl: string,
  tenantId: string,
  statements: Statement[],
  { minRows = 1000, maxRows = 100 } = {},
): Promise<ScanProblem[]> {
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  const big = new Map<string, number>();
  try {
    const r = await owner.query<{ relname: string; n: number }>(
      `SELECT relname, reltuples::bigint::int AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples >= $1`,
      [minRows],
    );
    for (const row of r.rows) big.set(row.relname, row.n);
  } finally {
    await owner.end();
  }
  const app = new pg.Client({ connectionString: deriveAppUrl(ownerUrl, 'hospital_ops_app') });
  await app.connect();
  const problems: ScanProblem[] = [];
  try {
    for (const s of statements) {
      if (NO_PLAN.test(s.text)) continue;
      await app.query('BEGIN');
      try {
        await app.query("SELECT set_config('app.current_tenant_id', $1, true)", [tenantId]);
        const r = await app.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${s.text}`, s.values);
        for (const node of nodes(r.rows[0]['QUERY PLAN'][0].Plan)) {
          const table = node['Relation Name'];
          if (!table || !big.has(table)) continue;
          const type = node['Node Type'];
          if (type === 'Seq Scan' || type === 'Bitmap Heap Scan' || (/Scan$/.test(type) && node['Plan Rows'] > maxRows)) {
            problems.push({ statement: s.text.slice(0, 300), node: node['Node Type'], table, rows: node['Plan Rows'] });
          }
        }
      } finally {
        await app.query('ROLLBACK');
      }
    }
  } finally {
    await app.end();
  }
  return problems;
}
