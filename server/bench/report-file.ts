import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Writes a benchmark report, its tables aligned as `npm run lint` (biome formats Markdown too) wants them. */
export function writeMarkdownReport(url: URL, text: string): void {
  const path = fileURLToPath(url);
  writeFileSync(path, text);
  try {
    execFileSync(`${ROOT}node_modules/.bin/biome`, ['format', '--write', path], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    console.log(`(biome could not format ${path}: run npm run format)`);
  }
}
