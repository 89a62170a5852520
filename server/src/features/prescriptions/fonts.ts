import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { woffToSfnt } from './woff.ts';

/**
 * Noto Sans Devanagari from @fontsource, which splits the family into per-script subsets
 * (devanagari, latin, latin-ext) exactly as Google Fonts serves it. pdfkit ships no Devanagari font,
 * so these are embedded (subsetted) in every prescription.
 *
 * WOFF, not WOFF2: fontkit 2.0.4 fails to subset this font's composite glyphs from WOFF2
 * ("Offset is outside the bounds of the DataView"). The WOFF files are unpacked to TrueType once
 * (woff.ts) and then embed and shape correctly (pre-base ि, conjuncts, reph, nukta; checked by
 * rendering, see docs/documents.md).
 */

const require = createRequire(import.meta.url);
/**
 * pdfkit's own font engine, resolved from pdfkit (its dependency, not ours). Fonts are parsed
 * once per process and handed to every document: fontkit decodes a font's substitution and
 * positioning tables lazily per font object, which cost most of a prescription's time when each
 * document parsed its own copy. Rendering is synchronous, so documents never share one concurrently.
 */
const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(data: Uint8Array): object };
const PACKAGE = '@fontsource/noto-sans-devanagari';

export type Subset = 'devanagari' | 'latin' | 'latin-ext';
export type Weight = 400 | 700;
export const SUBSETS: Subset[] = ['devanagari', 'latin', 'latin-ext'];

/** The pdfkit font name registered for a subset and weight. */
export function fontName(subset: Subset, weight: Weight): string {
  return `noto-${subset}-${weight}`;
}

type Ranges = [number, number][];

function parseRanges(spec: string): Ranges {
  return spec.split(',').map((part) => {
    const [from, to] = part.trim().replace(/^U\+/i, '').split('-');
    return [Number.parseInt(from, 16), Number.parseInt(to ?? from, 16)];
  });
}

let loaded: { files: Map<string, object>; ranges: Map<Subset, Ranges> } | undefined;

/** Reads the font files once per process; the package's own unicode.json says which subset holds which characters. */
function fonts() {
  if (!loaded) {
    const unicode = JSON.parse(readFileSync(require.resolve(`${PACKAGE}/unicode.json`), 'utf8')) as Record<Subset, string>;
    const files = new Map<string, object>();
    for (const subset of SUBSETS) {
      for (const weight of [400, 700] as Weight[]) {
        const woff = readFileSync(require.resolve(`${PACKAGE}/files/noto-sans-devanagari-${subset}-${weight}-normal.woff`));
        files.set(fontName(subset, weight), fontkit.create(woffToSfnt(woff)));
      }
    }
    loaded = { files, ranges: new Map(SUBSETS.map((s) => [s, parseRanges(unicode[s])])) };
  }
  return loaded;
}

/** Registers every subset with a pdfkit document (only the ones used get embedded). */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  // pdfkit takes a fontkit font where its types say Buffer (PDFFontFactory: anything with layout()).
  for (const [name, font] of fonts().files) doc.registerFont(name, font as Buffer);
}

const inRanges = (cp: number, ranges: Ranges) => ranges.some(([a, b]) => cp >= a && cp <= b);

/**
 * The subset that draws a character. Devanagari first: the joiners (ZWJ, ZWNJ) and the dotted
 * circle belong with the script they shape. Anything no subset has falls to latin (a .notdef box).
 */
export function subsetOf(cp: number): Subset {
  const { ranges } = fonts();
  for (const subset of SUBSETS) if (inRanges(cp, ranges.get(subset) as Ranges)) return subset;
  return 'latin';
}

/**
 * Text the embedded fonts can draw. Noto Sans Devanagari has no superscripts or vulgar fractions
 * (², ½ are missing glyphs: a box on paper), so such a character becomes its compatibility form
 * ("kg/m2", "1/2-0-1/2"); anything with no drawable form stays as it is.
 */
export function drawable(text: string): string {
  const { files } = fonts();
  const has = (ch: string) => {
    const cp = ch.codePointAt(0) ?? 32;
    const font = files.get(fontName(subsetOf(cp), 400)) as { hasGlyphForCodePoint(cp: number): boolean };
    return cp < 0x80 || font.hasGlyphForCodePoint(cp);
  };
  let out = '';
  for (const ch of text) {
    if (has(ch)) {
      out += ch;
      continue;
    }
    const plain = ch.normalize('NFKC').replaceAll('\u2044', '/');
    out += plain !== ch && [...plain].every(has) ? plain : ch;
  }
  return out;
}
