import { randomUUID } from 'node:crypto';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';

/**
 * The Account's money (billing_ledger, docs/billing.md): append-only signed paise. Invoices and
 * refunds raise what is owed, credit notes, payments and deposits lower it; a negative balance is
 * advance held for the patient. Always written in the transaction of the resource it records.
 */

export type LedgerKind = 'invoice' | 'credit-note' | 'payment' | 'deposit' | 'refund';
export type Method = 'cash' | 'card' | 'upi';

export interface LedgerEntry {
  accountId: string;
  kind: LedgerKind;
  amountPaise: number;
  method?: Method;
  invoiceId?: string;
  resourceId?: string;
  /** Who took or paid out the money: the user id (or client id) of the request. */
  cashier?: string;
}

export async function addLedger(tx: PostgresRepository, e: LedgerEntry): Promise<void> {
  await tx.query((sql) =>
    sql.query(
      `INSERT INTO billing_ledger (tenant_id, id, account_id, kind, amount_paise, method, invoice_id, resource_id, cashier)
       VALUES (app_current_tenant(), $1, $2, $3, $4, $5, $6, $7, $8)`,
      [randomUUID(), e.accountId, e.kind, e.amountPaise, e.method ?? null, e.invoiceId ?? null, e.resourceId ?? null, e.cashier ?? null],
    ),
  );
}

export interface Balance {
  chargesPaise: number;
  paymentsPaise: number;
  refundsPaise: number;
  /** charges - payments + refunds; negative = advance held. */
  balancePaise: number;
}

export async function balanceOf(tx: PostgresRepository, accountId: string): Promise<Balance> {
  const r = await tx.query((sql) =>
    sql.query<{ kind: string; total: string | number }>(
      'SELECT kind, sum(amount_paise) AS total FROM billing_ledger WHERE account_id = $1 GROUP BY kind',
      [accountId],
    ),
  );
  const by = (k: string) => Number(r.rows.find((row) => row.kind === k)?.total ?? 0);
  const chargesPaise = by('invoice') + by('credit-note');
  const paymentsPaise = -(by('payment') + by('deposit'));
  const refundsPaise = by('refund');
  return { chargesPaise, paymentsPaise, refundsPaise, balancePaise: chargesPaise - paymentsPaise + refundsPaise };
}
