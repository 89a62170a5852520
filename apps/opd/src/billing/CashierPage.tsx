import { ErrorView } from '@hospital-ops/app-shell';
import { Badge, Button, Card, Checkbox, Group, Modal, NumberInput, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatInr, todayInKolkata } from '../lib/format.ts';
import { type Bill, balanceOf, changeFor, type Method, takePayment, todaysBills } from './cashier.ts';

/** The billing counter: today's bills by patient, what is due on each, taking a payment, printing. */
export function CashierPage() {
  const medplum = useMedplum();
  const { t, i18n } = useTranslation('opd');
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const [bills, setBills] = useState<Bill[]>();
  const [due, setDue] = useState<Record<string, number>>({});
  const [error, setError] = useState<unknown>();
  const [paying, setPaying] = useState<Bill>();
  const [printing, setPrinting] = useState<Bill>();

  const load = useCallback(async () => {
    try {
      const list = await todaysBills(medplum, todayInKolkata());
      setBills(list);
      const accounts = [...new Set(list.map((b) => b.accountId).filter((a): a is string => Boolean(a)))];
      const balances = await Promise.all(accounts.map(async (a) => [a, await balanceOf(medplum, a)] as const));
      setDue(Object.fromEntries(balances));
    } catch (err) {
      setError(err);
    }
  }, [medplum]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Stack>
      <Title order={2}>{t('billing.title')}</Title>
      {error !== undefined && <ErrorView error={error} />}
      {bills?.length === 0 && <Text c="dimmed">{t('billing.empty')}</Text>}
      {bills && bills.length > 0 && (
        <Table data-testid="bills">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('billing.number')}</Table.Th>
              <Table.Th>{t('billing.patient')}</Table.Th>
              <Table.Th>{t('billing.total')}</Table.Th>
              <Table.Th>{t('billing.balance')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {bills.map((b) => {
              const owed = b.accountId ? due[b.accountId] : undefined;
              return (
                <Table.Tr key={b.invoice.id} data-testid={`bill-${b.invoice.identifier?.[0]?.value}`}>
                  <Table.Td>{b.invoice.identifier?.[0]?.value}</Table.Td>
                  <Table.Td>{b.patient?.name?.[0]?.text ?? b.invoice.subject?.display}</Table.Td>
                  <Table.Td>{formatInr(b.invoice.totalGross?.value ?? 0, lang)}</Table.Td>
                  <Table.Td>
                    {owed === undefined ? (
                      ''
                    ) : owed > 0 ? (
                      formatInr(owed, lang)
                    ) : owed < 0 ? (
                      t('billing.advance', { amount: formatInr(-owed, lang) })
                    ) : (
                      <Badge color="teal">{t('billing.paid')}</Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Button size="xs" disabled={!owed || owed <= 0} onClick={() => setPaying(b)}>
                        {t('billing.pay')}
                      </Button>
                      <Button size="xs" variant="default" onClick={() => setPrinting(b)}>
                        {t('billing.print')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {paying?.accountId && (
        <PaymentForm
          bill={paying}
          due={due[paying.accountId] ?? 0}
          onClose={() => setPaying(undefined)}
          onPaid={() => {
            setPaying(undefined);
            void load();
          }}
        />
      )}
      <Modal opened={Boolean(printing)} onClose={() => setPrinting(undefined)} size="lg" title={printing?.invoice.identifier?.[0]?.value}>
        {printing && <InvoiceView bill={printing} />}
        <Button mt="md" onClick={() => window.print()}>
          {t('billing.print')}
        </Button>
      </Modal>
    </Stack>
  );
}

function PaymentForm({ bill, due, onClose, onPaid }: { bill: Bill; due: number; onClose: () => void; onPaid: () => void }) {
  const medplum = useMedplum();
  const { t, i18n } = useTranslation('opd');
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const [method, setMethod] = useState<Method>('cash');
  const [amount, setAmount] = useState<number>(due);
  const [tendered, setTendered] = useState<number | undefined>();
  const [advance, setAdvance] = useState(false);
  const [error, setError] = useState<unknown>();
  const change = method === 'cash' ? changeFor(amount, tendered) : 0;

  async function submit() {
    try {
      setError(undefined);
      await takePayment(medplum, bill.accountId as string, { method, amount, tendered: method === 'cash' ? tendered : undefined, advance });
      notifications.show({ color: 'teal', message: t('billing.recorded', { amount: formatInr(amount, lang) }) });
      onPaid();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Modal opened onClose={onClose} title={`${t('billing.pay')} · ${bill.invoice.identifier?.[0]?.value ?? ''}`}>
      <Stack>
        {error !== undefined && <ErrorView error={error} />}
        <Text>
          {t('billing.balance')}: <b>{formatInr(due, lang)}</b>
        </Text>
        <SegmentedControl
          aria-label={t('billing.method')}
          value={method}
          onChange={(v) => setMethod(v as Method)}
          data={(['cash', 'card', 'upi'] as const).map((m) => ({ value: m, label: t(`billing.methods.${m}`) }))}
        />
        <NumberInput label={t('billing.amount')} value={amount} onChange={(v) => setAmount(Number(v) || 0)} min={0} decimalScale={2} />
        {method === 'cash' && (
          <NumberInput
            label={t('billing.tendered')}
            value={tendered ?? ''}
            onChange={(v) => setTendered(v === '' ? undefined : Number(v))}
            min={0}
            decimalScale={2}
          />
        )}
        {change > 0 && <Text data-testid="change">{t('billing.change', { amount: formatInr(change, lang) })}</Text>}
        {amount > due && (
          <Checkbox label={t('billing.asAdvance')} checked={advance} onChange={(e) => setAdvance(e.currentTarget.checked)} />
        )}
        <Button onClick={() => void submit()} disabled={!(amount > 0)}>
          {t('billing.confirm')}
        </Button>
      </Stack>
    </Modal>
  );
}

function InvoiceView({ bill }: { bill: Bill }) {
  const { t, i18n } = useTranslation('opd');
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const inv = bill.invoice;
  const component = (line: NonNullable<typeof inv.lineItem>[number], code: string) =>
    line.priceComponent?.find((p) => p.code?.coding?.[0]?.code === code)?.amount?.value ?? 0;
  return (
    <Card withBorder data-testid="invoice-view">
      <Text>
        {inv.issuer?.display} · {t('billing.patient')}: {bill.patient?.name?.[0]?.text}
      </Text>
      <Table>
        <Table.Tbody>
          {inv.lineItem?.map((l) => (
            <Table.Tr key={l.sequence}>
              <Table.Td>{l.sequence}</Table.Td>
              <Table.Td>{l.extension?.find((e) => e.url.endsWith('/hsn-sac'))?.valueCoding?.code}</Table.Td>
              <Table.Td>{formatInr(component(l, '01'), lang)}</Table.Td>
              <Table.Td>{formatInr(component(l, '03') + component(l, '04') + component(l, 'IGST'), lang)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text>
        {t('billing.net')}: {formatInr(inv.totalNet?.value ?? 0, lang)}
      </Text>
      <Text fw={700}>
        {t('billing.gross')}: {formatInr(inv.totalGross?.value ?? 0, lang)}
      </Text>
    </Card>
  );
}
