import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.ts';

/**
 * Where export files live: one folder per export, `<BULK_EXPORT_DIR>/<tenant>/<export id>/`.
 * A file is written as `<name>.part` and renamed when complete, so a reader (or a restarted job)
 * never takes half a file for a whole one. Several processes share exports only if they share
 * this folder (docs/bulk-data.md).
 */
export class ExportFiles {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  static fromConfig(config: Config): ExportFiles {
    if (config.BULK_EXPORT_DIR) return new ExportFiles(config.BULK_EXPORT_DIR);
    // An in-memory database keeps nothing on disk: its exports go to the system's temporary folder.
    if (config.DATA_DIR === ':memory:') return new ExportFiles(join(tmpdir(), `hospital-ops-bulk-${process.pid}`));
    return new ExportFiles(join(config.DATA_DIR, 'bulk-export'));
  }

  folder(tenantId: string, exportId: string): string {
    return join(this.root, tenantId, exportId);
  }

  path(tenantId: string, exportId: string, name: string): string {
    return join(this.folder(tenantId, exportId), name);
  }

  /** Starts the export afresh: whatever an earlier, interrupted attempt left is removed. */
  async reset(tenantId: string, exportId: string): Promise<void> {
    await this.remove(tenantId, exportId);
    await mkdir(this.folder(tenantId, exportId), { recursive: true });
  }

  async remove(tenantId: string, exportId: string): Promise<void> {
    await rm(this.folder(tenantId, exportId), { recursive: true, force: true });
  }

  /** A new file of the export, open for appending lines; `commit()` makes it visible under its name. */
  open(tenantId: string, exportId: string, name: string): NdjsonWriter {
    return new NdjsonWriter(this.path(tenantId, exportId, name));
  }

  /** The size of a finished file, or undefined when there is none. */
  async size(tenantId: string, exportId: string, name: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(tenantId, exportId, name))).size;
    } catch {
      return undefined;
    }
  }

  /** Names of finished files (tests and the expiry sweep). */
  async list(tenantId: string, exportId: string): Promise<string[]> {
    try {
      return (await readdir(this.folder(tenantId, exportId))).filter((n) => !n.endsWith('.part'));
    } catch {
      return [];
    }
  }
}

/** Appends NDJSON lines to `<path>.part`, honouring back-pressure, and renames it to `<path>` on commit. */
export class NdjsonWriter {
  private readonly final: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;
  lines = 0;

  constructor(path: string) {
    this.final = path;
    this.stream = createWriteStream(`${path}.part`, { flags: 'w' });
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  /** Appends `size` NDJSON lines given as one text (no final newline), in one write; waits when the disk is behind, so memory stays flat. */
  async writeText(text: string, size: number): Promise<void> {
    if (this.failed) throw this.failed;
    if (!size) return;
    this.lines += size;
    // `once` rejects on 'error' and removes its listeners either way.
    if (!this.stream.write(`${text}\n`)) await once(this.stream, 'drain');
  }

  /** Appends NDJSON lines (JSON texts without newlines). */
  async writeLines(lines: string[]): Promise<void> {
    await this.writeText(lines.join('\n'), lines.length);
  }

  /** Appends one resource as a line. */
  async write(resource: unknown): Promise<void> {
    await this.writeLines([JSON.stringify(resource)]);
  }

  private async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failed) throw this.failed;
  }

  async commit(): Promise<void> {
    await this.close();
    await rename(`${this.final}.part`, this.final);
  }

  /** Closes and drops the partial file (a cancelled or failed export). */
  async abandon(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(`${this.final}.part`, { force: true });
  }
}
