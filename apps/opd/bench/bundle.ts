/**
 * What the OPD app makes a browser download: every .js and .css of apps/opd/dist/assets, raw and
 * compressed the ways a server could send them, and (from a throwaway build with a source map)
 * which packages the JavaScript is made of.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const OPD_DIR = join(ROOT, 'apps', 'opd');
export const ASSETS_DIR = join(OPD_DIR, 'dist', 'assets');

export interface AssetSize {
  file: string;
  raw: number;
  /** gzip level 6: zlib's default, what express's `compression` and most on-the-fly gzip send. */
  gzip6: number;
  /** gzip level 9: the most gzip can do (precompressed .gz files). */
  gzip9: number;
  /** Brotli quality 11: precompressed .br files, what a CDN or a build step would serve. */
  brotli: number;
}

export interface BundleSizes {
  assets: AssetSize[];
  js: AssetSize;
  css: AssetSize;
  total: AssetSize;
  /** Fonts in dist/assets (not part of the JS/CSS figure; the browser fetches only the subsets a page uses). */
  fontBytes: number;
  fontFiles: number;
}

function sizeOf(file: string, data: Buffer): AssetSize {
  return {
    file,
    raw: data.length,
    gzip6: gzipSync(data, { level: 6 }).length,
    gzip9: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length,
  };
}

function sum(file: string, xs: AssetSize[]): AssetSize {
  return xs.reduce(
    (a, x) => ({ file, raw: a.raw + x.raw, gzip6: a.gzip6 + x.gzip6, gzip9: a.gzip9 + x.gzip9, brotli: a.brotli + x.brotli }),
    {
      file,
      raw: 0,
      gzip6: 0,
      gzip9: 0,
      brotli: 0,
    },
  );
}

export function measureBundle(dir = ASSETS_DIR): BundleSizes {
  const files = readdirSync(dir).sort();
  const assets = files.filter((f) => /\.(js|css)$/.test(f)).map((f) => sizeOf(f, readFileSync(join(dir, f))));
  assets.sort((a, b) => b.gzip9 - a.gzip9);
  const fonts = files.filter((f) => /\.(woff2?|ttf|otf)$/.test(f));
  return {
    assets,
    js: sum(
      'all .js',
      assets.filter((a) => a.file.endsWith('.js')),
    ),
    css: sum(
      'all .css',
      assets.filter((a) => a.file.endsWith('.css')),
    ),
    total: sum('total', assets),
    fontBytes: fonts.reduce((n, f) => n + readFileSync(join(dir, f)).length, 0),
    fontFiles: fonts.length,
  };
}

export interface PackageShare {
  name: string;
  bytes: number;
}

export interface Composition {
  /** Raw bytes of the JavaScript the throwaway build produced (should match dist/). */
  jsBytes: number;
  packages: PackageShare[];
}

/** The npm package (or our own source folder) a source-map source belongs to. */
function ownerOf(source: string): string {
  const s = source.replaceAll('\\', '/');
  const i = s.lastIndexOf('node_modules/');
  if (i >= 0) {
    const parts = s.slice(i + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const app = /apps\/(\w+)\/src\//.exec(s);
  if (app) return app[1] === 'shell' ? 'apps/shell (our app shell)' : `apps/${app[1]} (our app code)`;
  return s.includes('\0') || s.startsWith('vite') || s.includes('rolldown') ? '(bundler runtime)' : '(other)';
}

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** Decodes one segment of a source map's `mappings` (base64 VLQ) into its numbers. */
function decodeSegment(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = B64.get(c) ?? 0;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/**
 * Attributes every generated character of a chunk to the source its source map says it came
 * from (a mapping covers the text up to the next mapping on the same line).
 */
function attribute(code: string, map: { sources: string[]; mappings: string }, into: Map<string, number>): void {
  const lines = code.split('\n');
  const mapLines = map.mappings.split(';');
  let source = 0;
  for (let li = 0; li < lines.length; li++) {
    const len = lines[li].length + 1;
    const segs = (mapLines[li] ?? '').split(',').filter(Boolean);
    let col = 0;
    let prevCol = 0;
    let prevOwner = '(unmapped)';
    for (const seg of segs) {
      const f = decodeSegment(seg);
      col += f[0];
      into.set(prevOwner, (into.get(prevOwner) ?? 0) + (col - prevCol));
      prevCol = col;
      if (f.length >= 4) {
        source += f[1];
        prevOwner = ownerOf(map.sources[source] ?? '');
      } else prevOwner = '(unmapped)';
    }
    into.set(prevOwner, (into.get(prevOwner) ?? 0) + Math.max(0, len - prevCol));
  }
}

/** Builds the app once more, with source maps, into a temporary folder, and attributes its JavaScript. */
export function measureComposition(): Composition {
  const out = mkdtempSync(join(tmpdir(), 'opd-bench-build-'));
  try {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--sourcemap',
        '--outDir',
        out,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      { cwd: OPD_DIR, stdio: 'inherit' },
    );
    const shares = new Map<string, number>();
    let jsBytes = 0;
    const dir = join(out, 'assets');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.js'))) {
      const code = readFileSync(join(dir, f), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '');
      jsBytes += Buffer.byteLength(code);
      attribute(code, JSON.parse(readFileSync(join(dir, `${f}.map`), 'utf8')), shares);
    }
    const packages = [...shares].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
    return { jsBytes, packages };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
