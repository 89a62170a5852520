import type { Resource } from '@medplum/fhirtypes';
import type { QueryResult, Sql } from '../db/database.ts';
import { quoteTable } from '../search/sql.ts';
import { type CompositeRow, extractSearchRows, type SearchRows } from '../search/values.ts';

/** One version of one resource, as it goes into the current-version and history tables. */
interface VersionRow {
  id: string;
  v: number;
  lu: string;
  d: boolean;
  c: Resource | null;
}

const componentColumns = (i: number): [string, string][] => [
  [`s${i}`, 'text'],
  [`v${i}`, 'text'],
  [`u${i}`, 'text'],
  [`n${i}`, 'numeric'],
  [`lo${i}`, 'timestamptz'],
  [`hi${i}`, 'timestamptz'],
];

const flattenComposite = (r: CompositeRow): Record<string, unknown> => ({
  code: r.code,
  ...Object.fromEntries(Object.entries(r.c1).map(([k, v]) => [`${k}1`, v])),
  ...Object.fromEntries(Object.entries(r.c2).map(([k, v]) => [`${k}2`, v])),
});

const SEARCH_TABLES: {
  table: string;
  key: keyof SearchRows;
  columns: [string, string][];
  flatten?: (r: any) => Record<string, unknown>;
}[] = [
  {
    table: 'sp_composite',
    key: 'composite',
    columns: [['code', 'text'], ...componentColumns(1), ...componentColumns(2)],
    flatten: flattenComposite,
  },
  {
    table: 'sp_token',
    key: 'token',
    columns: [
      ['code', 'text'],
      ['system', 'text'],
      ['value', 'text'],
      ['display', 'text'],
    ],
  },
  {
    table: 'sp_string',
    key: 'string',
    columns: [
      ['code', 'text'],
      ['norm', 'text'],
      ['value', 'text'],
    ],
  },
  {
    table: 'sp_date',
    key: 'date',
    columns: [
      ['code', 'text'],
      ['low', 'timestamptz'],
      ['high', 'timestamptz'],
    ],
  },
  {
    table: 'sp_reference',
    key: 'reference',
    columns: [
      ['code', 'text'],
      ['target', 'text'],
      ['target_type', 'text'],
    ],
  },
  {
    table: 'sp_number',
    key: 'number',
    columns: [
      ['code', 'text'],
      ['value', 'numeric'],
      ['system', 'text'],
      ['unit', 'text'],
    ],
  },
  {
    table: 'sp_uri',
    key: 'uri',
    columns: [
      ['code', 'text'],
      ['value', 'text'],
    ],
  },
];

/** EVENTS_ENABLED=false (benchmarks only: measuring the outbox's cost) writes no events. */
let outboxEnabled = true;
export function setOutboxEnabled(enabled: boolean): void {
  outboxEnabled = enabled;
}

/** A JSON array of strings as a text[] the planner can match against an index (`col = ANY(...)`). */
const textArray = (json: string): string => `ARRAY(SELECT json_array_elements_text(${json}))`;

// SearchRows use camelCase where the column is snake_case.
const FIELD: Record<string, string> = { target_type: 'targetType' };

/**
 * Writes of one transaction, held back and sent as a single SQL statement (one CTE per table)
 * just before the transaction next reads, and at its end. A transaction bundle of 100 creates
 * then costs one round trip for its writes instead of 300. Reads always see earlier writes,
 * because every query through `wrap()` flushes first.
 */
export class WriteBuffer {
  /** false: the writes make no outbox events (a repository's `quiet` option). */
  private readonly withEvents: boolean;
  constructor(withEvents = true) {
    this.withEvents = withEvents;
  }

  private inserts = new Map<string, VersionRow[]>();
  private updates = new Map<string, VersionRow[]>();
  private searchDeletes: { t: string; id: string }[] = [];
  private searchInserts = new Map<string, Record<string, unknown>[]>();
  /** The outbox rows (migration 0018): one event per version written, committed with it. */
  private events: { t: string; id: string; v: number; a: 'create' | 'update' | 'delete' }[] = [];
  private size = 0;
  /** Nothing held and nothing ever sent: the transaction wrote no resource. */
  get isEmpty(): boolean {
    return this.size === 0 && !this.sentAny;
  }
  private sentAny = false;

  /** Whether any statement sent so far carried outbox rows (the worker is told after the commit). */
  wroteEvents = false;

  /** A new resource (version 1, or a client-chosen id) with its search rows. */
  insert(resource: Resource & { id: string; meta: { versionId: string; lastUpdated: string } }): void {
    const row: VersionRow = { id: resource.id, v: Number(resource.meta.versionId), lu: resource.meta.lastUpdated, d: false, c: resource };
    this.push(this.inserts, resource.resourceType, row);
    this.events.push({ t: resource.resourceType, id: resource.id, v: row.v, a: 'create' });
    this.addSearchRows(resource);
  }

  /** A new version (or tombstone) of an existing resource, replacing its search rows. */
  update(resourceType: string, id: string, version: number, lastUpdated: string, content: (Resource & { id: string }) | null): void {
    const row: VersionRow = { id, v: version, lu: lastUpdated, d: content === null, c: content };
    this.push(this.updates, resourceType, row);
    this.events.push({ t: resourceType, id, v: version, a: content === null ? 'delete' : 'update' });
    this.searchDeletes.push({ t: resourceType, id });
    if (content) this.addSearchRows(content);
  }

  private push<T>(map: Map<string, T[]>, key: string, value: T): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
    this.size++;
  }

  private addSearchRows(resource: Resource & { id: string }): void {
    const rows = extractSearchRows(resource);
    for (const { table, key, flatten } of SEARCH_TABLES) {
      for (const r of rows[key])
        this.push(this.searchInserts, table, { t: resource.resourceType, id: resource.id, ...(flatten ? flatten(r) : r) });
    }
  }

  /** Sends everything held, as one statement, and empties the buffer. */
  async flush(sql: Sql): Promise<void> {
    if (this.size === 0) return;
    const params: string[] = [];
    const statement = this.statement((rows) => {
      params.push(JSON.stringify(rows));
      return `$${params.length}::json`;
    });
    await sql.query(statement, params);
  }

  /** Hands everything held to the COMMIT message (values inlined as literals) and empties the buffer. */
  flushAtCommit(sql: Sql): void {
    if (this.size === 0) return;
    sql.execAtCommit(this.statement((rows) => `${sql.literal(JSON.stringify(rows))}::json`));
  }

  private statement(add: (rows: unknown[]) => string): string {
    this.sentAny = true;
    const version = 'r(id text, v integer, lu timestamptz, d boolean, c jsonb)';
    const ctes: string[] = [];
    let n = 0;
    const cte = (body: string): string => {
      const name = `w${n++}`;
      ctes.push(`${name} AS (${body})`);
      return name;
    };
    // History rows are copied from what the insert/update CTEs return, so each version's JSON is
    // sent once; deletions (content NULL) take the same path.
    const columns = 'tenant_id, id, version_id, last_updated, deleted, content';
    for (const [type, rows] of this.inserts) {
      const w = cte(
        `INSERT INTO ${quoteTable(type)} (${columns}) SELECT app_current_tenant(), r.id, r.v, r.lu, r.d, r.c FROM json_to_recordset(${add(rows)}) AS ${version} RETURNING ${columns}`,
      );
      cte(`INSERT INTO ${quoteTable(`${type}_History`)} (${columns}) SELECT ${columns} FROM ${w}`);
    }
    for (const [type, rows] of this.updates) {
      // The id list lets the planner reach the rows by primary key; joining on the record set
      // alone (estimated at 100 rows) makes it hash-join the whole tenant's table.
      const ids = add(rows.map((r) => r.id));
      const w = cte(
        `UPDATE ${quoteTable(type)} t SET version_id = r.v, last_updated = r.lu, deleted = r.d, content = r.c FROM json_to_recordset(${add(rows)}) AS ${version} WHERE t.id = ANY(${textArray(ids)}) AND t.id = r.id RETURNING t.tenant_id, t.id, t.version_id, t.last_updated, t.deleted, t.content`,
      );
      cte(`INSERT INTO ${quoteTable(`${type}_History`)} (${columns}) SELECT ${columns} FROM ${w}`);
    }
    if (this.searchDeletes.length > 0) {
      // By resource id (the (tenant_id, resource_id) index), then the exact type/id pair.
      const ids = add([...new Set(this.searchDeletes.map((k) => k.id))]);
      const refs = add(this.searchDeletes.map((k) => `${k.t}/${k.id}`));
      for (const { table } of SEARCH_TABLES) {
        cte(
          `DELETE FROM ${table} x WHERE x.resource_id = ANY(${textArray(ids)}) AND x.resource_type || '/' || x.resource_id = ANY(${textArray(refs)})`,
        );
      }
    }
    for (const { table, columns } of SEARCH_TABLES) {
      const rows = this.searchInserts.get(table);
      if (!rows?.length) continue;
      const fields = columns.map(([c]) => FIELD[c] ?? c);
      const recordType = ['t text', 'id text', ...columns.map(([, type], i) => `"${fields[i]}" ${type}`)].join(', ');
      cte(
        `INSERT INTO ${table} (tenant_id, resource_type, resource_id, ${columns.map(([c]) => c).join(', ')}) SELECT app_current_tenant(), r.t, r.id, ${fields.map((f) => `r."${f}"`).join(', ')} FROM json_to_recordset(${add(rows)}) AS r(${recordType})`,
      );
    }
    if (this.events.length > 0 && outboxEnabled && this.withEvents) {
      this.wroteEvents = true;
      cte(
        `INSERT INTO resource_event (tenant_id, resource_type, resource_id, version_id, action) SELECT app_current_tenant(), e.t, e.id, e.v, e.a FROM json_to_recordset(${add(this.events)}) AS e(t text, id text, v integer, a text)`,
      );
    }
    this.clear();
    return `WITH ${ctes.join(', ')} SELECT 1`;
  }

  private clear(): void {
    this.inserts = new Map();
    this.updates = new Map();
    this.searchDeletes = [];
    this.searchInserts = new Map();
    this.events = [];
    this.size = 0;
  }

  /** A view of `sql` that flushes this buffer before every statement. */
  wrap(sql: Sql): Sql {
    return {
      query: async <R>(text: string, params?: unknown[]): Promise<QueryResult<R>> => {
        await this.flush(sql);
        return sql.query<R>(text, params);
      },
      exec: async (text: string) => {
        await this.flush(sql);
        await sql.exec(text);
      },
      execAtCommit: (script: string) => sql.execAtCommit(script),
      literal: (value: string) => sql.literal(value),
    };
  }
}
