import type { Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { batchChoices, dispensable, expiryBand, type StockBatch, stockBatches, stockByItem } from './stock.ts';

const PCM = 'http://snomed.info/sct|322236009';
const batch = (lot: string, expiry: string, onHand: number, item = PCM, store = 'counter'): StockBatch => ({
  store,
  medication: `med-${lot}`,
  item,
  itemDisplay: item === PCM ? 'Paracetamol 500 mg tablet' : 'Amoxicillin 500 mg capsule',
  lot,
  expiry,
  onHand,
});

describe('the $stock answer', () => {
  it('reads each batch balance', () => {
    const answer: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'batch',
          part: [
            { name: 'store', valueReference: { reference: 'Location/counter' } },
            { name: 'medication', valueReference: { reference: 'Medication/m1', display: 'Paracetamol 500 mg tablet' } },
            { name: 'item', valueString: PCM },
            { name: 'lot', valueString: 'PCM-24A' },
            { name: 'expiry', valueDate: '2027-03-31' },
            { name: 'onHand', valueInteger: 120 },
          ],
        },
        { name: 'inTransit', part: [{ name: 'quantity', valueInteger: 5 }] },
      ],
    };
    expect(stockBatches(answer)).toEqual([
      {
        store: 'counter',
        medication: 'm1',
        item: PCM,
        itemDisplay: 'Paracetamol 500 mg tablet',
        lot: 'PCM-24A',
        expiry: '2027-03-31',
        onHand: 120,
      },
    ]);
  });
});

describe('expiry colours', () => {
  const today = '2026-12-07';
  it('are red from the expiry date on, orange under 30 days, yellow under 90, else fine', () => {
    expect(expiryBand('2026-12-06', today)).toBe('expired');
    expect(expiryBand('2026-12-07', today)).toBe('expired');
    expect(expiryBand('2026-12-08', today)).toBe('under30');
    expect(expiryBand('2027-01-05', today)).toBe('under30'); // 29 days
    expect(expiryBand('2027-01-06', today)).toBe('under90'); // 30 days
    expect(expiryBand('2027-03-06', today)).toBe('under90'); // 89 days
    expect(expiryBand('2027-03-07', today)).toBe('ok'); // 90 days
  });

  it('group batches by item, earliest expiry first, with the worst band of a batch in stock and the usable units', () => {
    const items = stockByItem(
      [
        batch('B', '2027-06-30', 50),
        batch('A', '2026-12-01', 10),
        batch('C', '2027-01-01', 0),
        batch('X', '2027-12-31', 30, 'http://snomed.info/sct|amox'),
      ],
      today,
    );
    expect(items.map((i) => i.itemDisplay)).toEqual(['Amoxicillin 500 mg capsule', 'Paracetamol 500 mg tablet']);
    const pcm = items[1];
    expect(pcm.batches.map((b) => b.lot)).toEqual(['A', 'C', 'B']);
    expect(pcm).toMatchObject({ total: 60, usable: 50, worst: 'expired' });
    expect(items[0].worst).toBe('ok');
    // An empty near-expiry batch does not colour the item.
    expect(stockByItem([batch('C', '2027-01-01', 0), batch('B', '2027-06-30', 5)], today)[0].worst).toBe('ok');
  });

  it('narrow by name, code or lot', () => {
    const all = [batch('PCM-1', '2027-06-30', 5), batch('AMX-9', '2027-06-30', 5, 'http://snomed.info/sct|amox')];
    expect(stockByItem(all, today, 'amoxi').map((i) => i.item)).toEqual(['http://snomed.info/sct|amox']);
    expect(stockByItem(all, today, 'pcm-1').map((i) => i.item)).toEqual([PCM]);
    expect(stockByItem(all, today, '322236009').map((i) => i.item)).toEqual([PCM]);
  });
});

describe('the batches offered for a dispense', () => {
  const today = '2026-12-07';
  it('list the store’s batches of the item by expiry, mark FEFO’s first and what the server would refuse', () => {
    const choices = batchChoices(
      [
        batch('LATE', '2027-09-30', 40),
        batch('EXPIRED', '2026-11-30', 5),
        batch('SOON', '2027-01-06', 10), // 30 days: inside the 30-day safety window
        batch('NEXT', '2027-02-28', 0),
        batch('FIRST', '2027-03-31', 8),
        batch('OTHER-STORE', '2027-02-01', 99, PCM, 'main'),
        batch('OTHER-ITEM', '2027-02-01', 99, 'http://snomed.info/sct|amox'),
      ],
      PCM,
      'counter',
      today,
      30,
    );
    expect(choices.map((c) => [c.batch.lot, c.notOffered ?? (c.fefo ? 'fefo' : 'ok')])).toEqual([
      ['EXPIRED', 'expired'],
      ['SOON', 'safetyWindow'],
      ['NEXT', 'empty'],
      ['FIRST', 'fefo'],
      ['LATE', 'ok'],
    ]);
    expect(dispensable(choices)).toBe(48);
    // A store with a shorter window offers the near batch first.
    expect(batchChoices([batch('SOON', '2027-01-06', 10)], PCM, 'counter', today, 7)[0]).toMatchObject({ fefo: true });
  });
});
