import { ByteWriter, type ColumnSource, parquetWriteRows } from 'hyparquet-writer';
import type { ColumnInfo, ViewRow } from './types.ts';

/**
 * Writes view rows as CSV, NDJSON, a JSON array or Parquet to a sink, a batch at a time: the
 * HTTP answer is streamed, and Parquet is flushed after each row group.
 */

export type OutputFormat = 'csv' | 'ndjson' | 'json' | 'parquet';

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
};

// _format values: the short names and the media types a client may send instead.
const FORMATS: Record<string, OutputFormat> = {
  csv: 'csv',
  'text/csv': 'csv',
  ndjson: 'ndjson',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/fhir+ndjson': 'ndjson',
  json: 'json',
  'application/json': 'json',
  'application/fhir+json': 'json',
  parquet: 'parquet',
  'application/parquet': 'parquet',
  'application/vnd.apache.parquet': 'parquet',
};

export function parseFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return 'json';
  return FORMATS[value.trim().toLowerCase()];
}

export interface Sink {
  write(chunk: string | Uint8Array): Promise<void>;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// Parquet physical types by FHIR column type; dates stay text, as FHIR allows partial ones (2024-05).
const PARQUET_TYPES: Record<string, ColumnSource['type']> = {
  boolean: 'BOOLEAN',
  integer: 'INT32',
  positiveInt: 'INT32',
  unsignedInt: 'INT32',
  integer64: 'INT64',
  decimal: 'DOUBLE',
};

function parquetValue(col: ColumnInfo, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (col.collection) return JSON.stringify(value);
  if (col.type === 'integer64') return BigInt(value as number | string);
  if (PARQUET_TYPES[col.type]) return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A Parquet byte writer that hands each finished row group to the sink and keeps no more. */
class StreamingWriter extends ByteWriter {
  private readonly sink: Sink;
  constructor(sink: Sink) {
    super(1 << 16);
    this.sink = sink;
  }
  async flush(): Promise<void> {
    if (this.index === 0) return;
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    await this.sink.write(chunk);
  }
  override async finish(): Promise<void> {
    await this.flush();
  }
}

async function* flat(batches: AsyncIterable<ViewRow[]>): AsyncGenerator<ViewRow> {
  for await (const batch of batches) yield* batch;
}

export async function writeRows(
  format: OutputFormat,
  columns: ColumnInfo[],
  batches: AsyncIterable<ViewRow[]>,
  sink: Sink,
  options: { header?: boolean } = {},
): Promise<void> {
  if (format === 'parquet') {
    const writer = new StreamingWriter(sink);
    async function* rows(): AsyncGenerator<ViewRow> {
      for await (const row of flat(batches)) yield Object.fromEntries(columns.map((c) => [c.name, parquetValue(c, row[c.name])]));
    }
    await parquetWriteRows({
      writer,
      rows: rows(),
      columns: columns.map((c) => ({ name: c.name, type: c.collection ? 'STRING' : (PARQUET_TYPES[c.type] ?? 'STRING') })),
      rowGroupSize: 10_000,
      createdBy: 'hospital-ops sql-on-fhir',
    });
    await writer.finish();
    return;
  }
  if (format === 'csv' && options.header !== false) await sink.write(`${columns.map((c) => csvCell(c.name)).join(',')}\r\n`);
  if (format === 'json') await sink.write('[');
  let first = true;
  for await (const batch of batches) {
    let text = '';
    for (const row of batch) {
      const ordered = Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null]));
      if (format === 'csv') text += `${columns.map((c) => csvCell(row[c.name])).join(',')}\r\n`;
      else if (format === 'ndjson') text += `${JSON.stringify(ordered)}\n`;
      else {
        text += `${first ? '' : ','}${JSON.stringify(ordered)}`;
        first = false;
      }
    }
    if (text) await sink.write(text);
  }
  if (format === 'json') await sink.write(']');
}
