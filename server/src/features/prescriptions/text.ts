import { drawable, fontName, subsetOf } from './fonts.ts';

/**
 * Mixed-script text for pdfkit. Noto Sans Devanagari comes as per-script font files, so a line
 * such as "5 दिन" or "Diagnosis / निदान" is drawn as runs in different fonts. pdfkit cannot wrap
 * text across fonts and still tell us the height beforehand, so this module breaks lines itself
 * (at spaces, which never fall inside a Devanagari cluster) and draws each run at its own x.
 * Each run is shaped whole by fontkit (reordering, conjuncts, reph).
 */

export interface Style {
  size: number;
  bold?: boolean;
  color?: string;
}

/** A paragraph: text in one style. A cell or block is a list of them, stacked. */
export interface Para {
  text: string;
  style: Style;
}

interface Piece {
  font: string;
  text: string;
}

interface Line {
  pieces: Piece[];
  width: number;
}

/** Noto's ascent + descent is 1.304 em; a little more keeps matras and descenders apart. */
const LEADING = 1.34;

/**
 * Widths per point of font size, shared by all documents: shaping a word with fontkit costs about
 * a millisecond, and a prescription measures the same labels and words every time. Bounded.
 */
const WIDTHS = new Map<string, number>();
const MAX_WIDTHS = 50_000;

/** Dependent vowel signs, nukta, virama and joiners: a line must not break before them. */
const CLUSTER_CONTINUES = /[\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u200c\u200d]/u;

export class Typesetter {
  readonly doc: PDFKit.PDFDocument;

  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
  }

  lineHeight(style: Style): number {
    return style.size * LEADING;
  }

  private fontFor(ch: string, style: Style): string {
    return fontName(subsetOf(ch.codePointAt(0) ?? 32), style.bold ? 700 : 400);
  }

  private measure(font: string, text: string, size: number): number {
    const key = `${font}\u0000${text}`;
    let perPoint = WIDTHS.get(key);
    if (perPoint === undefined) {
      perPoint = this.doc.font(font).fontSize(1000).widthOfString(text) / 1000;
      if (WIDTHS.size >= MAX_WIDTHS) WIDTHS.clear();
      WIDTHS.set(key, perPoint);
    }
    return perPoint * size;
  }

  /** A word cut into runs of one font each. */
  private runs(word: string, style: Style): Piece[] {
    const out: Piece[] = [];
    for (const ch of word) {
      const font = this.fontFor(ch, style);
      const last = out.at(-1);
      // Combining marks stay with what they combine with, whatever subset lists them.
      if (last && (last.font === font || CLUSTER_CONTINUES.test(ch))) last.text += ch;
      else out.push({ font, text: ch });
    }
    return out;
  }

  private widthOfPieces(pieces: Piece[], size: number): number {
    return pieces.reduce((w, p) => w + this.measure(p.font, p.text, size), 0);
  }

  /** Cuts a word wider than the line at character boundaries, never inside a cluster. */
  private splitWord(word: string, style: Style, width: number): string[] {
    const out: string[] = [];
    let current = '';
    let prev = '';
    for (const ch of word) {
      const attached = CLUSTER_CONTINUES.test(ch) || prev === '\u094d';
      if (current && !attached && this.widthOfPieces(this.runs(current + ch, style), style.size) > width) {
        out.push(current);
        current = '';
      }
      current += ch;
      prev = ch;
    }
    if (current) out.push(current);
    return out;
  }

  /** The width of a one-line text (spaces included), as drawn. */
  width(text: string, style: Style): number {
    return (
      Math.max(0, ...this.layout(text, style, Number.POSITIVE_INFINITY).map((l) => l.width)) + (text.endsWith(' ') ? style.size * 0.26 : 0)
    );
  }

  /** Greedy line breaking at spaces; explicit newlines start new lines. */
  layout(text: string, style: Style, width: number): Line[] {
    const lines: Line[] = [];
    for (const paragraph of drawable(text).split('\n')) {
      let line: Line = { pieces: [], width: 0 };
      const words = paragraph.split(/\s+/).filter(Boolean);
      for (const whole of words) {
        const parts = this.widthOfPieces(this.runs(whole, style), style.size) > width ? this.splitWord(whole, style, width) : [whole];
        for (const word of parts) {
          const runs = this.runs(word, style);
          const w = this.widthOfPieces(runs, style.size);
          const last = line.pieces.at(-1);
          const space = last ? this.measure(last.font, ' ', style.size) : 0;
          if (last && line.width + space + w > width) {
            lines.push(line);
            line = { pieces: [], width: 0 };
          }
          const tail = line.pieces.at(-1);
          if (tail) {
            tail.text += ' ';
            line.width += this.measure(tail.font, ' ', style.size);
          }
          for (const run of runs) {
            const end = line.pieces.at(-1);
            if (end && end.font === run.font) end.text += run.text;
            else line.pieces.push({ ...run });
          }
          // Summed word by word: measuring the growing line would shape every prefix again.
          line.width += w;
        }
      }
      lines.push(line);
    }
    return lines;
  }

  height(text: string | undefined, style: Style, width: number): number {
    if (!text) return 0;
    return this.layout(text, style, width).length * this.lineHeight(style);
  }

  /** Draws wrapped text with its top at y; returns the height used. */
  draw(text: string | undefined, x: number, y: number, style: Style, width: number, align: 'left' | 'right' | 'center' = 'left'): number {
    if (!text) return 0;
    const lines = this.layout(text, style, width);
    const lh = this.lineHeight(style);
    lines.forEach((line, i) => {
      let cx = align === 'left' ? x : align === 'right' ? x + width - line.width : x + (width - line.width) / 2;
      for (const piece of line.pieces) {
        this.doc
          .font(piece.font)
          .fontSize(style.size)
          .fillColor(style.color ?? '#000000')
          .text(piece.text, cx, y + i * lh + (lh - style.size * 1.304) / 2, { lineBreak: false });
        cx += this.doc.widthOfString(piece.text);
      }
    });
    return lines.length * lh;
  }

  blockHeight(paras: Para[], width: number): number {
    return paras.reduce((h, p) => h + this.height(p.text, p.style, width), 0);
  }

  drawBlock(paras: Para[], x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): number {
    let h = 0;
    for (const p of paras) h += this.draw(p.text, x, y + h, p.style, width, align);
    return h;
  }
}
