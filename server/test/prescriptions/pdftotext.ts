import { execFileSync } from 'node:child_process';

/**
 * The text poppler's pdftotext extracts from a PDF: what a pharmacist's PDF viewer copies, a
 * screen reader speaks and a search finds, read by a tool that is not ours. Needs poppler-utils
 * (.ci/run installs it; `apt-get install poppler-utils` elsewhere).
 */
export function pdftotext(pdf: Buffer): string {
  try {
    return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf, encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('pdftotext is not installed: apt-get install poppler-utils');
    throw err;
  }
}

/** How many times a text occurs, whitespace differences ignored. */
export function occurrences(text: string, what: string): number {
  const flat = text.replaceAll(/\s+/g, ' ');
  return flat.split(what.replaceAll(/\s+/g, ' ')).length - 1;
}
