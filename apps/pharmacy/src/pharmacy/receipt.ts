import { parseIndianDate } from '@hospital-ops/app-shell/format/index.ts';
import type { Coding, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Schedule } from './dispense.ts';
import { daysBetween } from './params.ts';

/** A receipt of a batch expiring within this many days needs a reason (the server's rule). */
export const NEAR_EXPIRY_DAYS = 90;

/** One line of a goods receipt note as the pharmacist types it (numbers as typed, the expiry as DD/MM/YYYY). */
export interface ReceiptLine {
  item?: Coding;
  hsn: string;
  schedule: Schedule;
  lot: string;
  expiry: string;
  quantity: string;
  freeQuantity: string;
  packSize: string;
  /** ₹ per unit. */
  mrp: string;
  purchasePrice: string;
  discountPercent: string;
  gstPercent: string;
  nearExpiryReason: string;
}

export const emptyLine = (): ReceiptLine => ({
  hsn: '',
  schedule: 'OTC',
  lot: '',
  expiry: '',
  quantity: '',
  freeQuantity: '',
  packSize: '1',
  mrp: '',
  purchasePrice: '',
  discountPercent: '',
  gstPercent: '12',
  nearExpiryReason: '',
});

/** A typed number: Indian grouping commas and a decimal comma are read as meant ("1,200", "12,50" → 12.5). */
export function readNumber(text: string): number | undefined {
  let t = text.trim().replace(/₹|\s/g, '');
  if (!t) return undefined;
  if (/^\d+,\d{1,2}$/.test(t)) t = t.replace(',', '.');
  else t = t.replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

export type LineProblem = 'item' | 'hsn' | 'lot' | 'expiry' | 'quantity' | 'freeQuantity' | 'mrp' | 'purchasePrice' | 'percent';

/**
 * What must be fixed before the line can be sent; the server checks the same and more. An expired
 * or near-expiry batch is not one of them: the server refuses it (or asks for a reason), and the
 * screen says so in its own words with the line named (`expiryWarning` warns while typing).
 */
export function lineProblems(line: ReceiptLine): LineProblem[] {
  const problems: LineProblem[] = [];
  if (!line.item) problems.push('item');
  if (!/^\d{4}(\d{2}(\d{2})?)?$/.test(line.hsn.trim())) problems.push('hsn');
  if (!line.lot.trim()) problems.push('lot');
  const expiry = parseIndianDate(line.expiry);
  if (!expiry) problems.push('expiry');
  const qty = readNumber(line.quantity);
  if (qty === undefined || qty <= 0 || !Number.isInteger(qty)) problems.push('quantity');
  const free = line.freeQuantity.trim() ? readNumber(line.freeQuantity) : 0;
  if (free === undefined || free < 0 || !Number.isInteger(free)) problems.push('freeQuantity');
  const mrp = readNumber(line.mrp);
  if (mrp === undefined || mrp < 0) problems.push('mrp');
  const price = readNumber(line.purchasePrice);
  if (price === undefined || price < 0) problems.push('purchasePrice');
  const pct = [line.discountPercent, line.gstPercent].map((p) => (p.trim() ? readNumber(p) : 0));
  if (pct.some((p) => p === undefined || p < 0 || p > 100)) problems.push('percent');
  return problems;
}

/** An expiry the server will refuse (`expired`) or accept only with a reason (`near`). */
export function expiryWarning(line: ReceiptLine, today: string): 'expired' | 'near' | undefined {
  const expiry = parseIndianDate(line.expiry);
  if (!expiry) return undefined;
  const left = daysBetween(today, expiry);
  return left <= 0 ? 'expired' : left <= NEAR_EXPIRY_DAYS ? 'near' : undefined;
}

/** Paise, so sums of rupee amounts stay exact. */
const paise = (rupees: number) => Math.round(rupees * 100);

/** The line's cost: purchase price × quantity (free units cost nothing), less discount, plus GST; in rupees. */
export function lineCost(line: ReceiptLine): number {
  const qty = readNumber(line.quantity) ?? 0;
  const price = readNumber(line.purchasePrice) ?? 0;
  const discount = readNumber(line.discountPercent) ?? 0;
  const gst = readNumber(line.gstPercent) ?? 0;
  const net = Math.round(paise(price) * qty * (1 - discount / 100));
  return Math.round(net * (1 + gst / 100)) / 100;
}

export const noteCost = (lines: ReceiptLine[]) => Math.round(lines.reduce((n, l) => n + paise(lineCost(l)), 0)) / 100;

/** The body of `SupplyDelivery/$receive-goods` for the store, the supplier's invoice number and the lines. */
export function receiptBody(store: string, invoice: string, lines: ReceiptLine[]): Parameters {
  const num = (name: string, text: string): ParametersParameter[] => {
    const v = readNumber(text);
    return v === undefined ? [] : [{ name, valueDecimal: v }];
  };
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'store', valueReference: { reference: `Location/${store}` } },
      ...(invoice.trim() ? [{ name: 'invoice', valueString: invoice.trim() }] : []),
      ...lines.map(
        (l): ParametersParameter => ({
          name: 'line',
          part: [
            { name: 'item', valueCoding: l.item as Coding },
            { name: 'hsn', valueString: l.hsn.trim() },
            { name: 'schedule', valueCode: l.schedule },
            { name: 'lot', valueString: l.lot.trim().toUpperCase() },
            { name: 'expiry', valueDate: parseIndianDate(l.expiry) as string },
            { name: 'quantity', valueInteger: readNumber(l.quantity) as number },
            ...(l.freeQuantity.trim() ? [{ name: 'freeQuantity', valueInteger: readNumber(l.freeQuantity) as number }] : []),
            { name: 'packSize', valueInteger: readNumber(l.packSize) ?? 1 },
            ...num('mrp', l.mrp),
            ...num('purchasePrice', l.purchasePrice),
            ...num('discountPercent', l.discountPercent),
            ...num('gstPercent', l.gstPercent),
            ...(l.nearExpiryReason.trim() ? [{ name: 'nearExpiryReason', valueString: l.nearExpiryReason.trim() }] : []),
          ],
        }),
      ),
    ],
  };
}

const SNOMED = 'http://snomed.info/sct';
const HSN_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/hsn-sac-code';
const GST_RATE_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/gst-rate';

/** A formulary entry as a receipt line's item: what the OPD prescribes it as, with its HSN and GST rate. */
export interface FormularyItem {
  value: string;
  label: string;
  coding: Coding;
  hsn?: string;
  gstPercent?: number;
}

/**
 * The formulary entries that can be stocked: those with a SNOMED CT coding, the code the OPD's
 * prescriptions carry and the server's FEFO picks by (an entry without one could be received but
 * never matched to a prescription). The display is the entry's name, as the prescriptions show it.
 */
export function formularyItems(
  medications: {
    id?: string;
    code?: { text?: string; coding?: Coding[] };
    extension?: { url: string; valueCoding?: Coding; valueDecimal?: number }[];
  }[],
): FormularyItem[] {
  return medications.flatMap((m) => {
    const snomed = m.code?.coding?.find((c) => c.system === SNOMED && c.code);
    if (!snomed || !m.id) return [];
    const label = m.code?.text ?? snomed.display ?? (snomed.code as string);
    const hsn = m.extension?.find((e) => e.url === HSN_EXTENSION)?.valueCoding?.code;
    const gst = m.extension?.find((e) => e.url === GST_RATE_EXTENSION)?.valueDecimal;
    return [
      {
        value: m.id,
        label,
        coding: { system: SNOMED, code: snomed.code as string, display: label },
        ...(hsn ? { hsn } : {}),
        ...(gst !== undefined ? { gstPercent: gst } : {}),
      },
    ];
  });
}
