import { inflateSync } from 'node:zlib';

/**
 * A tiny PDF reader for the prescription tests: enough of PDF to check what a viewer would show,
 * without a PDF library. It parses the objects pdfkit writes (direct /Length, FlateDecode), follows
 * the page tree, and extracts each page's text the way a viewer's copy-paste does: glyph ids of
 * every text object, mapped to Unicode through the font's ToUnicode CMap.
 *
 * Text comes out in glyph order, which is what a shaped Devanagari line holds: a pre-base vowel
 * sign (ि) comes out before the consonant it was reordered in front of. `visualOrder` turns
 * expected Hindi into that order.
 */

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

export interface PdfText {
  /** Text of each page, one line per text position (y), in drawing order. */
  pages: string[];
  /** BaseFont names without the subset tag, embedded ones marked by their FontFile2. */
  fonts: { name: string; embedded: boolean }[];
  /** Images drawn on the pages (an image's soft mask is not counted). */
  imageCount: number;
}

function parseObjects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const start = /(\d+) 0 obj\s*/g;
  for (let m = start.exec(text); m; m = start.exec(text)) {
    const from = m.index + m[0].length;
    const streamAt = text.indexOf('stream\n', from);
    const endAt = text.indexOf('endobj', from);
    if (streamAt >= 0 && streamAt < endAt) {
      const dict = text.slice(from, streamAt);
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const raw = pdf.subarray(streamAt + 7, streamAt + 7 + length);
      objects.set(Number(m[1]), { dict, stream: dict.includes('/FlateDecode') ? inflateSync(raw) : raw });
      start.lastIndex = streamAt + 7 + length;
    } else {
      objects.set(Number(m[1]), { dict: text.slice(from, endAt) });
      start.lastIndex = endAt;
    }
  }
  return objects;
}

const ref = (dict: string, key: string) => Number(new RegExp(`/${key} (\\d+) 0 R`).exec(dict)?.[1]);

/** glyph id -> text, from a ToUnicode CMap (bfchar and bfrange, both forms). */
function parseCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  // Hex strings may hold spaces (pdfkit writes a ligature's code points as <0915 094d 0937>) or be empty.
  const utf16 = (hex: string) =>
    String.fromCharCode(...(hex.replaceAll(/\s/g, '').match(/.{4}/g) ?? []).map((h) => Number.parseInt(h, 16)));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const r of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const [from, to] = [Number.parseInt(r[1], 16), Number.parseInt(r[2], 16)];
      if (r[3].startsWith('[')) {
        for (const [i, v] of [...r[3].matchAll(/<([0-9a-fA-F\s]*)>/g)].entries()) map.set(from + i, utf16(v[1]));
      } else {
        const base = Number.parseInt(r[3].slice(1, -1), 16);
        for (let g = from; g <= to; g++) map.set(g, String.fromCharCode(base + g - from));
      }
    }
  }
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const c of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]*)>/g)) map.set(Number.parseInt(c[1], 16), utf16(c[2]));
  }
  return map;
}

export function readPdf(pdf: Buffer): PdfText {
  const objects = parseObjects(pdf);
  const get = (n: number) => objects.get(n) as PdfObject;
  const root = [...objects.values()].find((o) => /\/Type \/Catalog/.test(o.dict)) as PdfObject;
  const pageTree = get(ref(root.dict, 'Pages'));
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(pageTree.dict)?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((k) => Number(k[1]));
  const cmaps = new Map<number, Map<number, string>>();
  const pages = kids.map((n) => {
    const page = get(n);
    const resources = /\/Resources (\d+) 0 R/.test(page.dict) ? get(ref(page.dict, 'Resources')).dict : page.dict;
    const fonts = new Map<string, number>();
    for (const f of (/\/Font <<([^>]*)>>/.exec(resources)?.[1] ?? '').matchAll(/\/(\S+) (\d+) 0 R/g)) fonts.set(f[1], Number(f[2]));
    const content = get(ref(page.dict, 'Contents')).stream?.toString('latin1') ?? '';
    const lines: string[] = [];
    let lastY: string | undefined;
    for (const block of content.matchAll(/BT\n([\s\S]*?)\nET/g)) {
      const y = /1 0 0 1 \S+ (\S+) Tm/.exec(block[1])?.[1];
      const font = fonts.get(/\/(\S+) \S+ Tf/.exec(block[1])?.[1] ?? '') ?? 0;
      if (!cmaps.has(font)) {
        const toUnicode = ref(get(font)?.dict ?? '', 'ToUnicode');
        cmaps.set(font, toUnicode ? parseCMap(get(toUnicode).stream?.toString('latin1') ?? '') : new Map());
      }
      const cmap = cmaps.get(font) as Map<number, string>;
      let text = '';
      for (const hex of block[1].matchAll(/<([0-9a-fA-F]*)>/g)) {
        for (const gid of hex[1].match(/.{4}/g) ?? []) text += cmap.get(Number.parseInt(gid, 16)) ?? '\ufffd';
      }
      if (lastY !== undefined && y !== lastY) lines.push('\n');
      lines.push(text);
      lastY = y;
    }
    return lines.join('');
  });
  // pdfkit embeds a TrueType font as a Type0 font whose descendant CIDFontType2 has the descriptor.
  const fonts = [...objects.values()]
    .filter((o) => /\/Subtype \/CIDFontType2/.test(o.dict))
    .map((o) => ({
      name: /\/BaseFont \/(?:[A-Z]{6}\+)?(\S+)/.exec(o.dict)?.[1] ?? '',
      embedded: Boolean(ref(get(ref(o.dict, 'FontDescriptor'))?.dict ?? '', 'FontFile2')),
    }));
  const drawn = new Set<number>();
  for (const n of kids) {
    const page = get(n).dict;
    const resources = /\/Resources (\d+) 0 R/.test(page) ? get(ref(page, 'Resources')).dict : page;
    for (const x of (/\/XObject <<([^>]*)>>/.exec(resources)?.[1] ?? '').matchAll(/(\d+) 0 R/g)) drawn.add(Number(x[1]));
  }
  const imageCount = [...drawn].filter((n) => /\/Subtype \/Image/.test(get(n)?.dict ?? '')).length;
  return { pages, fonts, imageCount };
}

/** Whitespace-normalised text of all pages, for `toContain` checks across wrapped lines. */
export function flatText(pdf: PdfText): string {
  return pdf.pages.join(' ').replaceAll(/\s+/g, ' ');
}

/**
 * Expected Hindi in the glyph order a shaped line has: the vowel sign ि moves in front of the
 * consonant cluster it follows in Unicode (दिन -> िदन, स्थिति -> िस्थित). Unshaped text would keep
 * the Unicode order, so finding this order proves the text was shaped.
 */
export function visualOrder(text: string): string {
  return text.replaceAll(/((?:[\u0915-\u0939\u0958-\u095f]\u093c?\u094d)*[\u0915-\u0939\u0958-\u095f]\u093c?)\u093f/g, '\u093f$1');
}
