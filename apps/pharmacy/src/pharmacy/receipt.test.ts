import { describe, expect, it } from 'vitest';
import {
  emptyLine,
  expiryWarning,
  formularyItems,
  lineCost,
  lineProblems,
  noteCost,
  type ReceiptLine,
  readNumber,
  receiptBody,
} from './receipt.ts';

const today = '2026-12-07';
const PCM = { system: 'http://snomed.info/sct', code: '322236009', display: 'Paracetamol 500 mg tablet' };
const line = (patch: Partial<ReceiptLine> = {}): ReceiptLine => ({
  ...emptyLine(),
  item: PCM,
  hsn: '30049099',
  lot: 'pcm-24a',
  expiry: '31/03/2028',
  quantity: '1,000',
  freeQuantity: '100',
  packSize: '10',
  mrp: '2.50',
  purchasePrice: '1,20',
  discountPercent: '5',
  gstPercent: '12',
  ...patch,
});

describe('a goods receipt line', () => {
  it('reads numbers as typed in India: lakh grouping, a decimal comma, a rupee sign', () => {
    expect(readNumber('1,00,000')).toBe(100000);
    expect(readNumber('12,50')).toBe(12.5);
    expect(readNumber('₹ 2.75')).toBe(2.75);
    expect(readNumber('')).toBeUndefined();
    expect(readNumber('12a')).toBeUndefined();
  });

  it('names every field to fix before sending', () => {
    expect(lineProblems(line())).toEqual([]);
    expect(lineProblems({ ...emptyLine(), gstPercent: '120' })).toEqual([
      'item',
      'hsn',
      'lot',
      'expiry',
      'quantity',
      'mrp',
      'purchasePrice',
      'percent',
    ]);
    expect(lineProblems(line({ quantity: '-5', freeQuantity: '1.5', expiry: '31/02/2028' }))).toEqual([
      'expiry',
      'quantity',
      'freeQuantity',
    ]);
  });

  it('leaves expired and near-expiry batches to the server, warning while typing', () => {
    expect(lineProblems(line({ expiry: '07/12/2026' }))).toEqual([]);
    expect(expiryWarning(line({ expiry: '07/12/2026' }), today)).toBe('expired');
    expect(expiryWarning(line({ expiry: '08/12/2026' }), today)).toBe('near');
    expect(expiryWarning(line({ expiry: '07/03/2027' }), today)).toBe('near'); // 90 days
    expect(expiryWarning(line({ expiry: '08/03/2027' }), today)).toBeUndefined();
    expect(expiryWarning(line({ expiry: '' }), today)).toBeUndefined();
  });

  it('costs the paid quantity at the purchase price, less discount, plus GST, to the paisa', () => {
    // 1000 × ₹1.20 = ₹1,200.00; less 5% = ₹1,140.00; plus 12% GST = ₹1,276.80. Free units cost nothing.
    expect(lineCost(line())).toBe(1276.8);
    expect(lineCost(line({ quantity: '3', purchasePrice: '0.10', discountPercent: '', gstPercent: '5' }))).toBe(0.32);
    expect(noteCost([line(), line({ quantity: '3', purchasePrice: '0.10', discountPercent: '', gstPercent: '5' })])).toBe(1277.12);
  });

  it('becomes the $receive-goods Parameters the server reads', () => {
    const body = receiptBody('store-1', ' INV-778 ', [
      line({ nearExpiryReason: '' }),
      line({ lot: 'B2', freeQuantity: '', expiry: '01/02/2027', nearExpiryReason: ' Short supply ' }),
    ]);
    expect(body.parameter?.slice(0, 2)).toEqual([
      { name: 'store', valueReference: { reference: 'Location/store-1' } },
      { name: 'invoice', valueString: 'INV-778' },
    ]);
    expect(body.parameter?.[2].part).toEqual([
      { name: 'item', valueCoding: PCM },
      { name: 'hsn', valueString: '30049099' },
      { name: 'schedule', valueCode: 'OTC' },
      { name: 'lot', valueString: 'PCM-24A' },
      { name: 'expiry', valueDate: '2028-03-31' },
      { name: 'quantity', valueInteger: 1000 },
      { name: 'freeQuantity', valueInteger: 100 },
      { name: 'packSize', valueInteger: 10 },
      { name: 'mrp', valueDecimal: 2.5 },
      { name: 'purchasePrice', valueDecimal: 1.2 },
      { name: 'discountPercent', valueDecimal: 5 },
      { name: 'gstPercent', valueDecimal: 12 },
    ]);
    const second = body.parameter?.[3].part ?? [];
    expect(second.find((p) => p.name === 'freeQuantity')).toBeUndefined();
    expect(second.find((p) => p.name === 'nearExpiryReason')?.valueString).toBe('Short supply');
  });

  it('offers formulary entries with a SNOMED CT code, with their HSN and GST rate', () => {
    const items = formularyItems([
      {
        id: 'f1',
        code: {
          text: 'Paracetamol 500 mg tablet',
          coding: [{ system: 'http://snomed.info/sct', code: '322236009', display: 'Paracetamol 500mg tablet' }],
        },
        extension: [
          { url: 'https://hospital-ops.in/fhir/StructureDefinition/hsn-sac-code', valueCoding: { code: '30049099' } },
          { url: 'https://hospital-ops.in/fhir/StructureDefinition/gst-rate', valueDecimal: 12 },
        ],
      },
      { id: 'f2', code: { text: 'Tonic syrup' } },
    ]);
    expect(items).toEqual([{ value: 'f1', label: 'Paracetamol 500 mg tablet', coding: PCM, hsn: '30049099', gstPercent: 12 }]);
  });
});
