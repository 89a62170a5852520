import type { MedplumClient } from '@medplum/core';
import type { Bundle, Invoice, Money, Parameters, Patient } from '@medplum/fhirtypes';

/** The cashier's calls to the billing operations (docs/billing.md), and the arithmetic the form shows. */

export interface Bill {
  invoice: Invoice;
  patient?: Patient;
  accountId?: string;
}

export type Method = 'cash' | 'card' | 'upi';

/** Today's issued bills (IST day), newest first, with their patients (never from the client's cache: money moves). */
export async function todaysBills(medplum: MedplumClient, today: string): Promise<Bill[]> {
  const bundle: Bundle = await medplum.search(
    'Invoice',
    { date: `ge${today}T00:00:00+05:30`, _include: 'Invoice:subject', _sort: '-date', _count: '100' },
    { cache: 'no-cache' },
  );
  const resources = (bundle.entry ?? []).map((e) => e.resource);
  const patients = new Map(resources.filter((r): r is Patient => r?.resourceType === 'Patient').map((p) => [`Patient/${p.id}`, p]));
  return resources
    .filter((r): r is Invoice => r?.resourceType === 'Invoice' && r.status !== 'draft')
    .map((invoice) => ({
      invoice,
      patient: patients.get(invoice.subject?.reference ?? ''),
      accountId: invoice.account?.reference?.split('/')[1],
    }));
}

const moneyOf = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name)?.valueMoney?.value ?? 0;

export async function balanceOf(medplum: MedplumClient, accountId: string): Promise<number> {
  const p = (await medplum.get(medplum.fhirUrl('Account', accountId, '$balance'), { cache: 'no-cache' })) as Parameters;
  return moneyOf(p, 'balance');
}

/** Change for a cash payment, in rupees to the paisa (never negative). */
export function changeFor(amount: number, tendered: number | undefined): number {
  if (tendered === undefined || !(tendered > amount)) return 0;
  return Math.round((tendered - amount) * 100) / 100;
}

export async function takePayment(
  medplum: MedplumClient,
  accountId: string,
  p: { method: Method; amount: number; tendered?: number; advance?: boolean },
): Promise<Parameters> {
  const money = (value: number): Money => ({ value, currency: 'INR' });
  const parameter: Parameters['parameter'] = [
    { name: 'method', valueCode: p.method },
    { name: 'amount', valueMoney: money(p.amount) },
    ...(p.method === 'cash' && p.tendered !== undefined ? [{ name: 'tendered', valueMoney: money(p.tendered) }] : []),
    ...(p.advance ? [{ name: 'advance', valueBoolean: true }] : []),
  ];
  return (await medplum.post(medplum.fhirUrl('Account', accountId, '$pay'), { resourceType: 'Parameters', parameter })) as Parameters;
}
