import type { Parameters } from '@medplum/fhirtypes';
import { daysBetween, named, part, refId } from './params.ts';

/** One batch's balance in one store, as `Location/$stock` answers it. */
export interface StockBatch {
  store: string;
  medication: string;
  /** The catalogue item, `system|code`. */
  item: string;
  itemDisplay: string;
  lot: string;
  expiry: string;
  onHand: number;
}

export function stockBatches(answer: Parameters): StockBatch[] {
  return named(answer, 'batch').map((b) => ({
    store: refId(part(b, 'store')?.valueReference?.reference, 'Location') ?? '',
    medication: refId(part(b, 'medication')?.valueReference?.reference, 'Medication') ?? '',
    item: part(b, 'item')?.valueString ?? '',
    itemDisplay: part(b, 'medication')?.valueReference?.display ?? part(b, 'item')?.valueString ?? '',
    lot: part(b, 'lot')?.valueString ?? '',
    expiry: part(b, 'expiry')?.valueDate ?? '',
    onHand: part(b, 'onHand')?.valueInteger ?? 0,
  }));
}

/**
 * How close a batch is to its expiry, for its colour on the stock screen: expired (on or past the
 * date: the server refuses to dispense it), under 30 days (orange), under 90 days (yellow), fine.
 */
export type ExpiryBand = 'expired' | 'under30' | 'under90' | 'ok';

export function expiryBand(expiry: string, today: string): ExpiryBand {
  const left = daysBetween(today, expiry);
  if (left <= 0) return 'expired';
  if (left < 30) return 'under30';
  if (left < 90) return 'under90';
  return 'ok';
}

/** Mantine colours of the bands; the band is also said in words beside the colour. */
export const BAND_COLOUR: Record<ExpiryBand, string> = { expired: 'red', under30: 'orange', under90: 'yellow', ok: 'green' };

export interface StockItem {
  item: string;
  itemDisplay: string;
  /** Units on hand in all its batches (expired ones included: they are still on the shelf). */
  total: number;
  /** Units that can still be dispensed: not expired. */
  usable: number;
  /** Earliest expiry first. */
  batches: StockBatch[];
  /** The worst band of a batch with stock, for the item's row. */
  worst: ExpiryBand;
}

const BAND_ORDER: ExpiryBand[] = ['expired', 'under30', 'under90', 'ok'];

/** Balances grouped by item (by name), batches by expiry; `query` narrows by name, item code or lot. */
export function stockByItem(batches: StockBatch[], today: string, query = ''): StockItem[] {
  const q = query.trim().toLowerCase();
  const byItem = new Map<string, StockItem>();
  for (const b of batches) {
    if (q && ![b.itemDisplay, b.item, b.lot].some((s) => s.toLowerCase().includes(q))) continue;
    const it = byItem.get(b.item) ?? {
      item: b.item,
      itemDisplay: b.itemDisplay,
      total: 0,
      usable: 0,
      batches: [],
      worst: 'ok' as ExpiryBand,
    };
    it.batches.push(b);
    it.total += b.onHand;
    const band = expiryBand(b.expiry, today);
    if (band !== 'expired') it.usable += b.onHand;
    if (b.onHand > 0 && BAND_ORDER.indexOf(band) < BAND_ORDER.indexOf(it.worst)) it.worst = band;
    byItem.set(b.item, it);
  }
  for (const it of byItem.values()) it.batches.sort((a, b) => a.expiry.localeCompare(b.expiry) || a.lot.localeCompare(b.lot));
  return [...byItem.values()].sort((a, b) => a.itemDisplay.localeCompare(b.itemDisplay));
}

/** Why a batch is not offered for dispensing, as the server would refuse it. */
export type NotOffered = 'expired' | 'safetyWindow' | 'empty';

export interface BatchChoice {
  batch: StockBatch;
  /** Undefined when it can be dispensed. */
  notOffered?: NotOffered;
  /** The batch FEFO takes first. */
  fefo: boolean;
}

/**
 * The store's batches of an item as the dispense screen lists them: earliest expiry first, those
 * the server would refuse (expired, inside the store's safety window, empty) marked, and the first
 * usable one marked as FEFO's. The server makes the actual pick; this is what the pharmacist sees.
 */
export function batchChoices(batches: StockBatch[], item: string, store: string, today: string, safetyDays: number): BatchChoice[] {
  const mine = batches
    .filter((b) => b.item === item && b.store === store)
    .sort((a, b) => a.expiry.localeCompare(b.expiry) || a.medication.localeCompare(b.medication));
  let fefoTaken = false;
  return mine.map((batch) => {
    const left = daysBetween(today, batch.expiry);
    const notOffered: NotOffered | undefined =
      left <= 0 ? 'expired' : left <= safetyDays ? 'safetyWindow' : batch.onHand <= 0 ? 'empty' : undefined;
    const fefo = !notOffered && !fefoTaken;
    if (fefo) fefoTaken = true;
    return { batch, fefo, ...(notOffered ? { notOffered } : {}) };
  });
}

/** Units FEFO can hand over from these choices. */
export const dispensable = (choices: BatchChoice[]) => choices.filter((c) => !c.notOffered).reduce((n, c) => n + c.batch.onHand, 0);
