import PDFDocument from 'pdfkit';
import { registerFonts } from './fonts.ts';
import { type Bilingual, L } from './labels.ts';
import { type Para, type Style, Typesetter } from './text.ts';
import type { Localized, MedicineRow, PrescriptionView } from './view.ts';

/**
 * Draws a PrescriptionView on A4 with pdfkit: letterhead, patient band, vitals, complaints and
 * diagnoses, the Rx table, investigations, referrals, advice, follow-up, signature, and a footer
 * with the generation time and "Page n of m" on every page. Headings and the patient-facing
 * columns are bilingual (English / Hindi).
 */

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 36;
const WIDTH = PAGE.width - 2 * MARGIN;
const SIGNATURE_WIDTH = 200;
/** Content stops here; the footer lives below. */
const BOTTOM = PAGE.height - 48;

const ACCENT = '#0b5563';
const MUTED = '#555555';
const RULE = '#c9d6d8';
const FILL = '#eef4f5';

const S = {
  org: { size: 16, bold: true, color: ACCENT },
  doctor: { size: 12, bold: true },
  small: { size: 8.5, color: MUTED },
  label: { size: 7.5, color: MUTED },
  body: { size: 9.5 },
  bold: { size: 9.5, bold: true },
  heading: { size: 10.5, bold: true, color: ACCENT },
  rx: { size: 12, bold: true, color: ACCENT },
  drug: { size: 10, bold: true },
  hindi: { size: 8.5, color: MUTED },
  instruction: { size: 10 },
  footer: { size: 7.5, color: MUTED },
  allergy: { size: 9.5, bold: true, color: '#a61b1b' },
} satisfies Record<string, Style>;

const both = (b: Bilingual) => (b.hi ? `${b.en} / ${b.hi}` : b.en);

/** Rx table columns: #, medicine, dose, frequency, food, duration (sums to the content width). */
const COLUMNS = [22, 195, 64, 92, 80, 70];
const HEADERS: (Bilingual | undefined)[] = [
  undefined,
  { en: `${L.medicine.en} & ${L.instructions.en.toLowerCase()}`, hi: `${L.medicine.hi} व ${L.instructions.hi}` },
  L.dose,
  L.frequency,
  L.food,
  L.duration,
];
const PAD = 3.5;

class Renderer {
  readonly doc: PDFKit.PDFDocument;
  readonly ts: Typesetter;
  readonly view: PrescriptionView;
  y = MARGIN;
  /** The last list section drawn, when its lines leave room on the right for the signature. */
  private besideSignature?: { top: number; page: number };

  constructor(doc: PDFKit.PDFDocument, view: PrescriptionView) {
    this.doc = doc;
    this.ts = new Typesetter(doc);
    this.view = view;
  }

  /** Starts a new page when `height` does not fit on this one. */
  ensure(height: number): void {
    if (this.y + height <= BOTTOM) return;
    this.doc.addPage();
    this.y = MARGIN;
    this.continuationHeader();
  }

  rule(y: number, color = RULE, width = 0.6, x = MARGIN, w = WIDTH): void {
    this.doc
      .moveTo(x, y)
      .lineTo(x + w, y)
      .lineWidth(width)
      .strokeColor(color)
      .stroke();
  }

  /** Later pages name the patient, so a loose page can be matched to its first. */
  continuationHeader(): void {
    const p = this.view.patient;
    const text = [p.name, p.uhid ? `UHID ${p.uhid}` : undefined, this.view.visit.when].filter(Boolean).join('  ·  ');
    this.y += this.ts.draw(`${text}  (continued)`, MARGIN, this.y, S.small, WIDTH);
    this.rule(this.y + 2);
    this.y += 10;
  }

  letterhead(): void {
    const { clinic, doctor } = this.view;
    const leftW = WIDTH * 0.58;
    const rightW = WIDTH - leftW - 12;
    const left: Para[] = [
      ...(clinic.name ? [{ text: clinic.name, style: S.org }] : []),
      ...(clinic.parents.length ? [{ text: `${L.partOf.en} ${clinic.parents.join(', ')}`, style: S.small }] : []),
      ...clinic.address.map((text) => ({ text, style: S.small })),
      ...(clinic.contact ? [{ text: clinic.contact, style: S.small }] : []),
      ...(clinic.ids ? [{ text: clinic.ids, style: S.small }] : []),
    ];
    const right: Para[] = [
      { text: doctor.name, style: S.doctor },
      ...(doctor.qualifications ? [{ text: doctor.qualifications, style: S.small }] : []),
      ...(doctor.registration ? [{ text: `${L.registration.en} ${doctor.registration}`, style: { ...S.small, color: '#000000' } }] : []),
      ...(doctor.council ? [{ text: doctor.council, style: S.small }] : []),
    ];
    const h = Math.max(
      this.ts.drawBlock(left, MARGIN, this.y, leftW),
      this.ts.drawBlock(right, MARGIN + leftW + 12, this.y, rightW, 'right'),
    );
    this.y += h + 5;
    this.rule(this.y, ACCENT, 1.5);
    this.y += 7;
  }

  patientBand(): void {
    const { patient, visit } = this.view;
    const columns: [Bilingual, string | undefined, Style][][] = [
      [
        [L.name, patient.name, S.bold],
        [L.ageSex, patient.ageSex, S.body],
        [L.uhid, patient.uhid, S.bold],
        [L.phone, patient.phone, S.body],
      ],
      [
        [L.visit, visit.when, S.bold],
        [L.abhaNumber, patient.abhaNumber, S.body],
        [L.abhaAddress, patient.abhaAddress, S.body],
        [L.visitNumber, visit.number, S.body],
      ],
    ];
    const colW = (WIDTH - 16) / 2;
    const labelW = 92;
    const rows = columns.map((col) => col.filter(([, value]) => value) as [Bilingual, string, Style][]);
    const rowH = (label: Bilingual, value: string, style: Style) =>
      Math.max(this.ts.height(both(label), S.label, labelW), this.ts.height(value, style, colW - labelW - 8));
    const height = Math.max(...rows.map((col) => col.reduce((h, [l, v, s]) => h + rowH(l, v, s) + 1, 0))) + 8;
    this.doc.rect(MARGIN, this.y, WIDTH, height).fill(FILL);
    rows.forEach((col, i) => {
      let y = this.y + 4;
      const x = MARGIN + 6 + i * (colW + 4);
      for (const [label, value, style] of col) {
        const h = rowH(label, value, style);
        this.ts.draw(both(label), x, y + 1, S.label, labelW);
        this.ts.draw(value, x + labelW + 4, y, style, colW - labelW - 8);
        y += h + 1;
      }
    });
    this.y += height + 7;
  }

  /** Allergies under the patient band, in the warning colour: what the pharmacist checks before dispensing. */
  allergies(): void {
    const list = this.view.patient.allergies;
    if (!list.length) return;
    const label = `${both(L.allergies)}: `;
    const labelW = this.ts.width(label, S.allergy);
    const h = this.ts.draw(list.join(', '), MARGIN + labelW, this.y, S.allergy, WIDTH - labelW);
    this.ts.draw(label, MARGIN, this.y, S.allergy, labelW + 1);
    this.y += h + 6;
  }

  heading(label: Bilingual, style: Style = S.heading): void {
    const h = this.ts.lineHeight(style);
    this.ensure(h + 30);
    this.ts.draw(both(label), MARGIN, this.y, style, WIDTH);
    this.y += h + 2;
  }

  vitals(): void {
    const vitals = this.view.vitals;
    if (!vitals.length) return;
    this.heading(L.vitals);
    const perRow = 6;
    const cellW = WIDTH / perRow;
    for (let i = 0; i < vitals.length; i += perRow) {
      const row = vitals.slice(i, i + perRow);
      const h = Math.max(...row.map((v) => this.ts.height(both(v.label), S.label, cellW - 6) + this.ts.height(v.value, S.bold, cellW - 6)));
      this.ensure(h);
      row.forEach((v, j) => {
        const x = MARGIN + j * cellW;
        const lh = this.ts.draw(both(v.label), x, this.y, S.label, cellW - 6);
        this.ts.draw(v.value, x, this.y + lh, S.bold, cellW - 6);
      });
      this.y += h + 4;
    }
    this.y += 4;
  }

  bullets(items: Para[][], x = MARGIN, width = WIDTH): number {
    let h = 0;
    for (const paras of items) {
      const ih = this.ts.blockHeight(paras, width - 10);
      this.ts.draw('•', x, this.y + h, paras[0]?.style ?? S.body, 10);
      this.ts.drawBlock(paras, x + 10, this.y + h, width - 10);
      h += ih + 2;
    }
    return h;
  }

  /** Complaints and diagnoses side by side: a prescription's "why". */
  clinicalSummary(): void {
    const { complaints, diagnoses } = this.view;
    const parts = [
      { label: L.complaints, items: complaints },
      { label: L.diagnosis, items: diagnoses },
    ].filter((p) => p.items.length);
    if (!parts.length) return;
    const colW = parts.length === 2 ? (WIDTH - 16) / 2 : WIDTH;
    const heights = parts.map(
      (p) => this.ts.lineHeight(S.heading) + 2 + p.items.reduce((h, t) => h + this.ts.height(t, S.body, colW - 10) + 2, 0),
    );
    this.ensure(Math.max(...heights));
    const top = this.y;
    parts.forEach((p, i) => {
      const x = MARGIN + i * (colW + 16);
      this.y = top;
      this.ts.draw(both(p.label), x, this.y, S.heading, colW);
      this.y += this.ts.lineHeight(S.heading) + 2;
      this.bullets(
        p.items.map((text) => [{ text, style: S.body }]),
        x,
        colW,
      );
    });
    this.y = top + Math.max(...heights) + 6;
  }

  private cells(m: MedicineRow, n: number): Para[][] {
    const pair = (b: Bilingual | undefined): Para[] =>
      b ? [{ text: b.en, style: S.body }, ...(b.hi ? [{ text: b.hi, style: S.hindi }] : [])] : [{ text: '-', style: S.body }];
    return [
      [{ text: `${n}.`, style: S.body }],
      [
        { text: m.name, style: S.drug },
        ...(m.detail ? [{ text: m.detail, style: S.small }] : []),
        ...(m.text ? [{ text: m.text, style: { size: 8.5 } }] : []),
      ],
      [{ text: m.dose ?? '-', style: S.body }],
      pair(m.frequency),
      pair(m.food),
      pair(m.duration),
    ];
  }

  /** The patient's instruction under the medicine, marked by an accent bar (the header names it). */
  private instruction(local: Localized | undefined): Para[] {
    if (!local) return [];
    return [{ text: local.text, style: S.instruction }, ...(local.original ? [{ text: local.original, style: S.small }] : [])];
  }

  private tableHeader(): void {
    const cells = HEADERS.map((hd) =>
      hd ? [{ text: hd.en, style: { size: 8.5, bold: true } }, ...(hd.hi ? [{ text: hd.hi, style: S.hindi }] : [])] : [],
    );
    const h = Math.max(...cells.map((c, i) => this.ts.blockHeight(c, COLUMNS[i] - 2 * PAD))) + 2 * PAD;
    this.doc.rect(MARGIN, this.y, WIDTH, h).fill(FILL);
    let x = MARGIN;
    cells.forEach((c, i) => {
      this.ts.drawBlock(c, x + PAD, this.y + PAD, COLUMNS[i] - 2 * PAD);
      x += COLUMNS[i];
    });
    this.y += h;
  }

  medicines(): void {
    this.heading(L.rx, S.rx);
    const rows = this.view.medicines;
    if (!rows.length) {
      this.y += this.ts.draw(both(L.noMedicines), MARGIN, this.y, S.body, WIDTH) + 8;
      return;
    }
    this.tableHeader();
    rows.forEach((m, index) => {
      const cells = this.cells(m, index + 1);
      const extra = this.instruction(m.instruction);
      const spanW = WIDTH - COLUMNS[0] - 2 * PAD - 6;
      const cellsH = Math.max(...cells.map((c, i) => this.ts.blockHeight(c, COLUMNS[i] - 2 * PAD)));
      const h = cellsH + (extra.length ? this.ts.blockHeight(extra, spanW) + 3 : 0) + 2 * PAD;
      if (this.y + h > BOTTOM) {
        this.ensure(h);
        this.tableHeader();
      }
      let x = MARGIN;
      cells.forEach((c, i) => {
        this.ts.drawBlock(c, x + PAD, this.y + PAD, COLUMNS[i] - 2 * PAD);
        x += COLUMNS[i];
      });
      if (extra.length) {
        const top = this.y + PAD + cellsH + 3;
        const x0 = MARGIN + COLUMNS[0] + PAD;
        const eh = this.ts.drawBlock(extra, x0 + 6, top, spanW);
        this.doc.rect(x0, top + 1, 2, eh - 2).fill(ACCENT);
      }
      this.y += h;
      this.rule(this.y);
    });
    this.y += 8;
  }

  private listSection(label: Bilingual, items: Para[][]): void {
    if (!items.length) return;
    this.heading(label);
    const top = this.y - this.ts.lineHeight(S.heading) - 2;
    const page = this.page();
    for (const item of items) {
      this.ensure(this.ts.blockHeight(item, WIDTH - 10));
      this.y += this.bullets([item]);
    }
    this.y += 4;
    const leftOfSignature = WIDTH - SIGNATURE_WIDTH - 16;
    const short = [both(label), ...items.flat().map((p) => p.text)].every((text) => this.ts.width(text, S.heading) + 10 <= leftOfSignature);
    this.besideSignature = short && page === this.page() ? { top, page } : undefined;
  }

  private page(): number {
    const range = this.doc.bufferedPageRange();
    return range.start + range.count - 1;
  }

  private localized(local: Localized, style: Style = S.body): Para[] {
    return [{ text: local.text, style }, ...(local.original ? [{ text: local.original, style: S.small }] : [])];
  }

  orders(): void {
    this.listSection(
      L.investigations,
      this.view.investigations.map((i) => [{ text: i.text, style: S.bold }, ...(i.instruction ? this.localized(i.instruction) : [])]),
    );
    this.listSection(
      L.referral,
      this.view.referrals.map((text) => [{ text, style: S.body }]),
    );
    this.listSection(
      L.advice,
      this.view.advice.map((a) => this.localized(a, S.instruction)),
    );
    this.listSection(
      L.followUp,
      this.view.followUp.map((f) => [{ text: [f.when, f.note].filter(Boolean).join('  -  '), style: f.when ? S.bold : S.body }]),
    );
  }

  /**
   * Bottom right, as a doctor signs: beside the last section when its lines are short (the
   * follow-up usually is), so a full prescription still fits one page; below it otherwise.
   */
  signature(): void {
    const { doctor } = this.view;
    const w = SIGNATURE_WIDTH;
    const x = MARGIN + WIDTH - w;
    const imageH = 36;
    const lines: Para[] = [
      { text: doctor.name, style: S.bold },
      ...(doctor.registration ? [{ text: `${L.registration.en} ${doctor.registration}`, style: S.small }] : []),
      { text: both(L.signature), style: S.label },
    ];
    const height = imageH + 8 + this.ts.blockHeight(lines, w);
    const below = this.y;
    const beside = this.besideSignature;
    if (beside && beside.top + height <= BOTTOM) this.y = beside.top;
    else this.ensure(height);
    this.y += 4;
    if (doctor.signature) {
      try {
        this.doc.image(doctor.signature, x + 20, this.y, { fit: [w - 40, imageH], align: 'center', valign: 'bottom' });
      } catch {
        // Not an image pdfkit can read: the signature line below is still there to sign by hand.
      }
    }
    this.y += imageH + 2;
    this.rule(this.y, '#000000', 0.6, x, w);
    this.y += 3;
    this.y += this.ts.drawBlock(lines, x, this.y, w, 'center');
    this.y = Math.max(this.y, below);
  }

  /** Generated time and page numbers on every page, written once the page count is known. */
  footers(): void {
    const range = this.doc.bufferedPageRange();
    const visit = this.view.visit.number ? `  ·  Visit ${this.view.visit.number}` : '';
    for (let i = 0; i < range.count; i++) {
      this.doc.switchToPage(range.start + i);
      const y = PAGE.height - 40;
      this.rule(y - 4);
      this.ts.draw(`${both(L.generated)}: ${this.view.generatedAt} IST${visit}`, MARGIN, y, S.footer, WIDTH * 0.7);
      const page = `${L.page.en} ${i + 1} of ${range.count} / ${L.page.hi} ${i + 1}/${range.count}`;
      this.ts.draw(page, MARGIN + WIDTH * 0.6, y, S.footer, WIDTH * 0.4, 'right');
    }
  }

  render(): void {
    this.letterhead();
    this.patientBand();
    this.allergies();
    this.vitals();
    this.clinicalSummary();
    this.medicines();
    this.orders();
    this.signature();
    this.footers();
  }
}

export interface RenderOptions {
  /** Deflate content streams (default). Off only to inspect the PDF by eye. */
  compress?: boolean;
  now?: Date;
}

/** The prescription as PDF bytes. */
export function renderPrescription(view: PrescriptionView, options: RenderOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    bufferPages: true,
    compress: options.compress ?? true,
    lang: 'en-IN',
    displayTitle: true,
    info: {
      Title: `Prescription - ${view.patient.name} - ${view.visit.when ?? ''}`.trim(),
      Author: view.doctor.name,
      Subject: 'e-Prescription',
      Creator: 'Hospital-Ops',
      CreationDate: options.now ?? new Date(),
    },
  });
  registerFonts(doc);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  new Renderer(doc, view).render();
  doc.end();
  return done;
}
