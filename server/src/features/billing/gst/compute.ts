import { GST_RULES, GST_STATE_CODES, type GstRule, PLACE_OF_SUPPLY, type Setting } from './rules.ts';

/**
 * The GST engine (docs/billing.md): pure functions over integer paise. It looks every rate up in
 * rules.ts; nothing here knows a rate or a code. Rounding is per line and per tax head (half up,
 * to the paisa), then once on the invoice total to the rupee with a round-off line.
 */

export interface TaxLineInput {
  codeSystem: 'HSN' | 'SAC';
  code: string;
  /** Unit price in paise (for room rent: per day). */
  unitPaise: number;
  /** Units (days for room rent); may be fractional for loose quantities. */
  quantity: number;
  /** Whether the unit price already includes GST (medicines at MRP). */
  priceIncludesTax: boolean;
  /** IST date of supply, YYYY-MM-DD. */
  date: string;
  setting: Setting;
  category?: string;
  icu?: boolean;
}

export interface SupplyParties {
  /** The branch's GSTIN state code (two digits). */
  supplierState: string;
  /** The recipient's state code when known (walk-in goods are supplied there). */
  recipientState?: string;
}

export interface TaxedLine {
  ruleId: string;
  rateBp: number;
  exempt: boolean;
  interState: boolean;
  /** Price times quantity, as charged, before tax is taken out of an inclusive price. */
  grossPaise: number;
  taxablePaise: number;
  cgstPaise: number;
  sgstPaise: number;
  igstPaise: number;
  totalPaise: number;
}

export interface InvoiceTotals {
  netPaise: number;
  cgstPaise: number;
  sgstPaise: number;
  igstPaise: number;
  /** Sum of the line totals, to the paisa. */
  exactPaise: number;
  /** To the rupee: exact + roundOff. */
  grossPaise: number;
  /** In paise, between -50 and +49. */
  roundOffPaise: number;
}

export class GstError extends Error {}

/** x * num / den rounded half away from zero, in integers (no floating point on money). */
export function mulDivRound(x: number, num: number, den: number): number {
  const sign = x < 0 ? -1 : 1;
  const n = BigInt(Math.abs(x)) * BigInt(num);
  const d = BigInt(den);
  return sign * Number((n * 2n + d) / (2n * d));
}

function matches(rule: GstRule, line: TaxLineInput): boolean {
  if (rule.codeSystem !== line.codeSystem || !line.code.startsWith(rule.codePrefix)) return false;
  if (line.date < rule.from || (rule.to && line.date > rule.to)) return false;
  const w = rule.when;
  if (!w) return true;
  if (w.setting && w.setting !== line.setting) return false;
  if (w.category && w.category !== line.category) return false;
  if (w.icu !== undefined && w.icu !== Boolean(line.icu)) return false;
  if (w.unitAbovePaise !== undefined && !(line.unitPaise > w.unitAbovePaise)) return false;
  return true;
}

/** The rule that decides a line: highest priority, then longest code prefix. */
export function ruleFor(line: TaxLineInput, rules: readonly GstRule[] = GST_RULES): GstRule {
  const found = rules.filter((r) => matches(r, line)).sort((a, b) => b.priority - a.priority || b.codePrefix.length - a.codePrefix.length);
  if (!found[0]) throw new GstError(`No GST rule covers ${line.codeSystem} ${line.code} on ${line.date}`);
  return found[0];
}

/** Whether a line is an inter-state supply (IGST) under the place-of-supply rules. */
export function isInterState(line: Pick<TaxLineInput, 'codeSystem'>, parties: SupplyParties): boolean {
  const basis = line.codeSystem === 'HSN' ? PLACE_OF_SUPPLY.goods : PLACE_OF_SUPPLY.services;
  const place = basis === 'recipient' ? (parties.recipientState ?? parties.supplierState) : parties.supplierState;
  return place !== parties.supplierState;
}

export function taxLine(line: TaxLineInput, parties: SupplyParties, rules: readonly GstRule[] = GST_RULES): TaxedLine {
  if (!Number.isInteger(line.unitPaise)) throw new GstError('A unit price must be whole paise');
  if (!(line.quantity > 0) || !Number.isFinite(line.quantity)) throw new GstError('A quantity must be a positive number');
  if (!/^\d{4,8}$/.test(line.code)) throw new GstError(`"${line.code}" is not an HSN or SAC code`);
  const rule = ruleFor(line, rules);
  const interState = isInterState(line, parties);
  // Quantities up to three decimals: price * quantity rounded once, to the paisa.
  const grossPaise = mulDivRound(line.unitPaise, Math.round(line.quantity * 1000), 1000);
  const bp = rule.rateBp;
  let taxable = grossPaise;
  if (line.priceIncludesTax && bp > 0) taxable = mulDivRound(grossPaise, 10_000, 10_000 + bp);
  let cgst = 0;
  let sgst = 0;
  let igst = 0;
  if (interState) igst = mulDivRound(taxable, bp, 10_000);
  else {
    // Each half rounded on its own so CGST always equals SGST, as the returns expect.
    cgst = mulDivRound(taxable, bp, 20_000);
    sgst = cgst;
  }
  // An inclusive price stays what the patient was quoted: the taxable value absorbs the rounding.
  if (line.priceIncludesTax) taxable = grossPaise - cgst - sgst - igst;
  return {
    ruleId: rule.id,
    rateBp: bp,
    exempt: Boolean(rule.exempt),
    interState,
    grossPaise,
    taxablePaise: taxable,
    cgstPaise: cgst,
    sgstPaise: sgst,
    igstPaise: igst,
    totalPaise: taxable + cgst + sgst + igst,
  };
}

/** Invoice totals; the grand total is rounded to the rupee (50 paise and up go up). */
export function invoiceTotals(lines: readonly TaxedLine[]): InvoiceTotals {
  const sum = (f: (l: TaxedLine) => number) => lines.reduce((s, l) => s + f(l), 0);
  const netPaise = sum((l) => l.taxablePaise);
  const cgstPaise = sum((l) => l.cgstPaise);
  const sgstPaise = sum((l) => l.sgstPaise);
  const igstPaise = sum((l) => l.igstPaise);
  const exactPaise = netPaise + cgstPaise + sgstPaise + igstPaise;
  const grossPaise = mulDivRound(exactPaise, 1, 100) * 100;
  return { netPaise, cgstPaise, sgstPaise, igstPaise, exactPaise, grossPaise, roundOffPaise: grossPaise - exactPaise };
}

/** A state's GST code from a GSTIN ("27AAACS1234F1Z5") or a state name ("Maharashtra"). */
export function stateCode(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{2}[A-Z0-9]{13}$/.test(v.toUpperCase())) return v.slice(0, 2);
  if (/^\d{2}$/.test(v)) return v;
  return GST_STATE_CODES[v.toLowerCase().replace(/&/g, 'and').replace(/\s+/g, ' ')];
}

/** A GSTIN's shape: state code, PAN, entity number, Z, check character. */
export const GSTIN_PATTERN = /^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;
