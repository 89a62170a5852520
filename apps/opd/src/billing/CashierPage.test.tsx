// @vitest-environment jsdom
import type { Bundle } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { CashierPage } from './CashierPage.tsx';
import { changeFor } from './cashier.ts';

const bills: Bundle = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [
    {
      resource: {
        resourceType: 'Invoice',
        id: 'i1',
        status: 'issued',
        identifier: [{ value: 'PUNI/2627/00007' }],
        subject: { reference: 'Patient/p1' },
        account: { reference: 'Account/a1' },
        issuer: { display: 'Sanjeevani Pune' },
        totalNet: { value: 1671.88, currency: 'INR' },
        totalGross: { value: 1673, currency: 'INR' },
        lineItem: [
          { sequence: 1, priceComponent: [{ type: 'base', code: { coding: [{ code: '01' }] }, amount: { value: 500, currency: 'INR' } }] },
        ],
      },
    },
    { resource: { resourceType: 'Patient', id: 'p1', name: [{ text: 'Anjali Deshpande' }] } },
  ],
};

describe('the cashier’s screen', () => {
  afterEach(cleanup);

  it('change is what was tendered over the amount, never negative', () => {
    expect(changeFor(1673, 2000)).toBe(327);
    expect(changeFor(1673.5, 1700)).toBe(26.5);
    expect(changeFor(1673, 1000)).toBe(0);
    expect(changeFor(1673, undefined)).toBe(0);
  });

  it('lists today’s bills with what is due, and takes a cash payment with change', async () => {
    let paid = false;
    const { sent } = renderWithServer(<CashierPage />, (req) => {
      if (req.url.includes('/Invoice?')) return bills;
      if (req.url.includes('$balance'))
        return { resourceType: 'Parameters', parameter: [{ name: 'balance', valueMoney: { value: paid ? 0 : 1673, currency: 'INR' } }] };
      if (req.url.includes('$pay')) {
        paid = true;
        return { resourceType: 'Parameters', parameter: [{ name: 'balance', valueMoney: { value: 0, currency: 'INR' } }] };
      }
      return {};
    });
    const row = await screen.findByTestId('bill-PUNI/2627/00007');
    expect(row.textContent).toContain('Anjali Deshpande');
    await waitFor(() => expect(row.textContent).toContain('₹1,673.00'));
    fireEvent.click(screen.getByRole('button', { name: 'Take payment' }));
    fireEvent.change(await screen.findByLabelText('Cash received (₹)'), { target: { value: '2000' } });
    expect((await screen.findByTestId('change')).textContent).toBe('Change to return: ₹327.00');
    fireEvent.click(screen.getByRole('button', { name: 'Record payment' }));
    await waitFor(() => expect(sent.some((r) => r.url.endsWith('Account/a1/$pay'))).toBe(true));
    const pay = sent.find((r) => r.url.endsWith('Account/a1/$pay'))?.body as { parameter: { name: string }[] };
    expect(pay.parameter).toEqual([
      { name: 'method', valueCode: 'cash' },
      { name: 'amount', valueMoney: { value: 1673, currency: 'INR' } },
      { name: 'tendered', valueMoney: { value: 2000, currency: 'INR' } },
    ]);
    await waitFor(() => expect(screen.getByTestId('bill-PUNI/2627/00007').textContent).toContain('Paid'));
  });
});
