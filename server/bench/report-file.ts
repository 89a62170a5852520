import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
