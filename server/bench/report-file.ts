import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Aligns a Markdown report's tables as `npm run lint` (biome formats Markdown too) wants them. */
export function formatMarkdown(path: string): void {
  try {
    execFileSync(`${ROOT}node_modules/.bin/biome`, ['format', '--write', path], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    console.log(`(biome could not format ${path}: run npm run format)`);
  }
}

/** Writes a benchmark report, formatted. */
export function writeMarkdownReport(url: URL, text: string): void {
  const path = fileURLToPath(url);
  writeFileSync(path, text);
  formatMarkdown(path);
}

const marks = (name: string) => [`<!-- ${name} -->`, `<!-- /${name} -->`] as const;

/**
 * Puts one benchmark's section into a report other benchmarks also write (docs/benchmarks.md),
 * between `<!-- name -->` marks: replaced where it was, appended otherwise.
 */
export function writeReportSection(url: URL, name: string, section: string): void {
  const path = fileURLToPath(url);
  const [open, close] = marks(name);
  const block = `${open}\n${section.trim()}\n${close}`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const from = text.indexOf(open);
  const to = text.indexOf(close);
  const next = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + close.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeMarkdownReport(url, next);
}

/** The marked sections of a report, to keep when the benchmark that owns the rest rewrites it. */
export function markedSections(url: URL): string {
  const path = fileURLToPath(url);
  if (!existsSync(path)) return '';
  const found = readFileSync(path, 'utf8').match(/<!-- ([\w-]+) -->[\s\S]*?<!-- \/\1 -->/g);
  return found ? `\n${found.join('\n\n')}\n` : '';
}
