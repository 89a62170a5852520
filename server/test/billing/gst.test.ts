import { describe, expect, it } from 'vitest';
import {
  GstError,
  invoiceTotals,
  isInterState,
  mulDivRound,
  ruleFor,
  stateCode,
  type TaxLineInput,
  taxLine,
} from '../../src/features/billing/gst/compute.ts';
import { GST_RULES } from '../../src/features/billing/gst/rules.ts';

// Maharashtra branch; Karnataka patient for the inter-state cases.
const MH = { supplierState: '27' };
const MH_TO_KA = { supplierState: '27', recipientState: '29' };

const room = (rupees: number, extra: Partial<TaxLineInput> = {}): TaxLineInput => ({
  codeSystem: 'SAC',
  code: '999311',
  unitPaise: rupees * 100,
  quantity: 1,
  priceIncludesTax: false,
  date: '2026-11-20',
  setting: 'inpatient',
  category: 'room-rent',
  ...extra,
});
const medicine = (unitPaise: number, quantity: number, date = '2026-11-20', setting: 'inpatient' | 'outpatient' = 'outpatient') =>
  ({ codeSystem: 'HSN', code: '30049099', unitPaise, quantity, priceIncludesTax: true, date, setting }) as TaxLineInput;

describe('GST rules', () => {
  it('room rent of Rs 4,999 a day is exempt; Rs 5,001 is taxed at 5% on the room amount, split CGST and SGST', () => {
    const low = taxLine(room(4999), MH);
    expect(low).toMatchObject({
      ruleId: 'inpatient-composite-services',
      exempt: true,
      taxablePaise: 499_900,
      cgstPaise: 0,
      totalPaise: 499_900,
    });
    expect(taxLine(room(5000), MH).exempt).toBe(true); // "above" Rs 5,000: exactly 5,000 is exempt
    const high = taxLine(room(5001), MH);
    // 500100 paise * 2.5% = 12502.5 -> 12503 each half.
    expect(high).toMatchObject({
      ruleId: 'room-rent-above-5000',
      rateBp: 500,
      taxablePaise: 500_100,
      cgstPaise: 12_503,
      sgstPaise: 12_503,
      igstPaise: 0,
    });
    expect(high.totalPaise).toBe(525_106);
    // Three days: the tax is on the whole room amount.
    expect(taxLine(room(5001, { quantity: 3 }), MH)).toMatchObject({ taxablePaise: 1_500_300, cgstPaise: 37_508, sgstPaise: 37_508 });
  });

  it('an ICU bed above Rs 5,000 stays exempt; so does an OPD day-care room', () => {
    expect(taxLine(room(9000, { icu: true }), MH).exempt).toBe(true);
    expect(taxLine(room(9000, { setting: 'outpatient' }), MH)).toMatchObject({ ruleId: 'health-care-exempt', exempt: true });
  });

  it('the threshold applies from 18 Jul 2022 only', () => {
    expect(taxLine(room(6000, { date: '2022-07-17' }), MH).exempt).toBe(true);
    expect(taxLine(room(6000, { date: '2022-07-18' }), MH).exempt).toBe(false);
  });

  it('consultation and lab services are exempt health care; a cosmetic procedure is 18%', () => {
    expect(taxLine({ ...room(500), code: '999312', category: undefined, setting: 'outpatient' }, MH).ruleId).toBe('health-care-exempt');
    expect(taxLine({ ...room(800), code: '999316', category: undefined, setting: 'outpatient' }, MH).exempt).toBe(true);
    const cosmetic = taxLine({ ...room(10_000), code: '999319', category: 'cosmetic', setting: 'outpatient' }, MH);
    expect(cosmetic).toMatchObject({ rateBp: 1800, cgstPaise: 90_000, sgstPaise: 90_000 });
  });

  it('medicines at MRP: 12% before 22 Sep 2025, 5% from that day, tax taken out of the inclusive price', () => {
    // 10 tablets at Rs 2.35 = 2350 paise; 2350 / 1.05 = 2238.1 -> 2238; 2.5% of 2238 = 55.95 -> 56 each.
    const after = taxLine(medicine(235, 10, '2025-09-22'), MH);
    expect(after).toMatchObject({
      ruleId: 'medicaments-5',
      grossPaise: 2350,
      cgstPaise: 56,
      sgstPaise: 56,
      taxablePaise: 2238,
      totalPaise: 2350,
    });
    // 2350 / 1.12 = 2098.2 -> 2098; 6% of 2098 = 125.88 -> 126 each; taxable 2350 - 252 = 2098.
    const before = taxLine(medicine(235, 10, '2025-09-21'), MH);
    expect(before).toMatchObject({ ruleId: 'medicaments-12', cgstPaise: 126, sgstPaise: 126, taxablePaise: 2098, totalPaise: 2350 });
  });

  it('medicines to an admitted patient are part of the exempt composite supply', () => {
    expect(taxLine(medicine(235, 10, '2026-01-10', 'inpatient'), MH)).toMatchObject({ exempt: true, cgstPaise: 0, totalPaise: 2350 });
  });

  it('intra-state: CGST + SGST; inter-state walk-in sale: IGST at the full rate; services stay intra-state', () => {
    const intra = taxLine(medicine(10_000, 1), MH);
    expect(intra).toMatchObject({ interState: false, cgstPaise: 238, sgstPaise: 238, igstPaise: 0, taxablePaise: 9524 });
    // 10000 / 1.05 = 9523.8 -> 9524; 5% of 9524 = 476.2 -> 476.
    const inter = taxLine(medicine(10_000, 1), MH_TO_KA);
    expect(inter).toMatchObject({ interState: true, cgstPaise: 0, sgstPaise: 0, igstPaise: 476, taxablePaise: 9524, totalPaise: 10_000 });
    expect(isInterState({ codeSystem: 'SAC' }, MH_TO_KA)).toBe(false);
    const cosmetic = taxLine({ ...room(1000), code: '999319', category: 'cosmetic', setting: 'outpatient' }, MH_TO_KA);
    expect(cosmetic).toMatchObject({ interState: false, cgstPaise: 9000, sgstPaise: 9000 });
  });

  it('invoice total rounds to the rupee with a round-off line', () => {
    const lines = [taxLine(room(500, { code: '999312', setting: 'outpatient', category: undefined }), MH), taxLine(medicine(235, 10), MH)];
    const t = invoiceTotals(lines);
    expect(t).toEqual({
      netPaise: 52_238,
      cgstPaise: 56,
      sgstPaise: 56,
      igstPaise: 0,
      exactPaise: 52_350,
      grossPaise: 52_400,
      roundOffPaise: 50,
    });
    const down = invoiceTotals([taxLine(medicine(10_049, 1), MH)]);
    expect(down.exactPaise).toBe(10_049);
    expect(down).toMatchObject({ grossPaise: 10_000, roundOffPaise: -49 });
  });

  it('refuses bad input and codes no rule covers', () => {
    expect(() => taxLine(medicine(235, -1), MH)).toThrow(GstError);
    expect(() => taxLine(medicine(2.5, 1), MH)).toThrow(GstError);
    expect(() => taxLine({ ...medicine(100, 1), code: 'abc' }, MH)).toThrow(GstError);
    expect(() => ruleFor(medicine(100, 1), [])).toThrow(/No GST rule/);
  });

  it('every rule names its source and no two open rules of one code and condition overlap in time', () => {
    for (const r of GST_RULES) expect(r.source.length).toBeGreaterThan(10);
    const key = (r: (typeof GST_RULES)[number]) => JSON.stringify([r.codeSystem, r.codePrefix, r.when ?? {}, r.priority]);
    const groups = new Map<string, (typeof GST_RULES)[number][]>();
    for (const r of GST_RULES) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
    for (const rules of groups.values()) {
      const sorted = [...rules].sort((a, b) => a.from.localeCompare(b.from));
      for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1].to && sorted[i - 1].to! < sorted[i].from).toBe(true);
    }
  });

  it('helpers: half-up integer rounding and state codes', () => {
    expect(mulDivRound(5, 1, 2)).toBe(3);
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
    expect(stateCode('27AAACS1234F1Z5')).toBe('27');
    expect(stateCode('Karnataka')).toBe('29');
    expect(stateCode('Jammu & Kashmir')).toBe('01');
    expect(stateCode('Atlantis')).toBeUndefined();
  });
});
