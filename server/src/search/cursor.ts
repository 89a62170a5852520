import { badRequest, OperationOutcomeError, type SearchRequest } from '@medplum/core';
import type { SqlParams } from './sql-params.ts';

/**
 * Keyset paging (`_cursor`). A page that follows a cursor starts right after (or ends right
 * before) the row the cursor names, found through the ordering's own index, so page 5,000 costs
 * what page 1 costs, and rows written meanwhile neither repeat nor skip entries. It applies when
 * the order is by stored columns only: the default (newest first) or `_sort` on `_lastUpdated`
 * and `_id`. Other orders page by `_offset`.
 */

type Column = 'last_updated' | 'id';

export interface Keyset {
  keys: { column: Column; descending: boolean }[];
  /** Names the order, so a cursor is refused when the client changed `_sort` under it. */
  signature: string;
}

export interface CursorPosition {
  keyset: Keyset;
  /** The key values of the row the cursor names, in `keys` order. */
  values: string[];
  /** Rows before that row (a `previous` link) rather than after it. */
  before: boolean;
}

const COLUMNS: Record<string, Column> = { _lastUpdated: 'last_updated', _id: 'id' };

/** The keyset of a search's order, or undefined when the order is not by stored columns alone. */
export function keysetOf(req: SearchRequest, ranked: boolean): Keyset | undefined {
  if (ranked) return undefined;
  const keys: Keyset['keys'] = [];
  const rules = req.sortRules?.length ? req.sortRules : [{ code: '_lastUpdated', descending: true }];
  for (const rule of rules) {
    const column = COLUMNS[rule.code];
    if (!column) return undefined;
    if (!keys.some((k) => k.column === column)) keys.push({ column, descending: Boolean(rule.descending) });
  }
  // The id always ends the order (ties on last_updated are common within one transaction).
  if (!keys.some((k) => k.column === 'id')) keys.push({ column: 'id', descending: false });
  return { keys, signature: keys.map((k) => (k.descending ? '-' : '') + k.column).join(',') };
}

export function encodeCursor(keyset: Keyset, values: string[], before: boolean): string {
  return Buffer.from(JSON.stringify({ o: keyset.signature, v: values, ...(before ? { b: 1 } : {}) })).toString('base64url');
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;
// PostgreSQL writes the offset as "+00", which Date.parse does not take without its minutes.
const isTimestamp = (v: string) => TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')));

/** Reads a client's `_cursor`; 400 when it is malformed or was made for another order. */
export function decodeCursor(keyset: Keyset | undefined, token: string): CursorPosition {
  if (!keyset) {
    throw new OperationOutcomeError(badRequest('_cursor pages only searches sorted by _lastUpdated and _id; use _offset', '_cursor'));
  }
  let parsed: { o?: unknown; v?: unknown; b?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new OperationOutcomeError(badRequest('Invalid _cursor', '_cursor'));
  }
  if (typeof parsed?.o === 'string' && parsed.o !== keyset.signature) {
    throw new OperationOutcomeError(badRequest('This _cursor belongs to a search with another _sort', '_cursor'));
  }
  const values = parsed?.v;
  if (
    parsed?.o !== keyset.signature ||
    !Array.isArray(values) ||
    values.length !== keyset.keys.length ||
    !values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 100) ||
    // A timestamp key must be one, or PostgreSQL would refuse the cast in its own words.
    keyset.keys.some((k, i) => k.column === 'last_updated' && !isTimestamp(values[i] as string))
  ) {
    throw new OperationOutcomeError(badRequest('Invalid _cursor', '_cursor'));
  }
  return { keyset, values, before: parsed.b === 1 };
}

/** ORDER BY for the keyset over `alias`, reversed when reading backwards. */
export function keysetOrder(alias: string, keyset: Keyset, reverse: boolean): string {
  return keyset.keys.map((k) => `${alias}.${k.column} ${k.descending !== reverse ? 'DESC' : 'ASC'}`).join(', ');
}

/**
 * The rows strictly after (or before) the cursor's row in the keyset order: for keys k1..kn,
 * (k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR ...
 */
export function keysetCondition(alias: string, pos: CursorPosition, p: SqlParams): string {
  const params = pos.keyset.keys.map((k, i) => `${p.add(pos.values[i])}::${k.column === 'last_updated' ? 'timestamptz' : 'text'}`);
  const terms = pos.keyset.keys.map((k, i) => {
    const beyond = k.descending !== pos.before ? '<' : '>';
    const equal = pos.keyset.keys.slice(0, i).map((e, j) => `${alias}.${e.column} = ${params[j]}`);
    return [...equal, `${alias}.${k.column} ${beyond} ${params[i]}`].join(' AND ');
  });
  // The first key's bound repeated on its own: an index on that column can start there.
  const first = pos.keyset.keys[0];
  const bound = `${alias}.${first.column} ${first.descending !== pos.before ? '<=' : '>='} ${params[0]}`;
  return `(${bound} AND (${terms.map((t) => `(${t})`).join(' OR ')}))`;
}
