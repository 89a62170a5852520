import { useSession } from '@hospital-ops/app-shell';
import { formatInr, todayInIndia } from '@hospital-ops/app-shell/format/index.ts';
import { ActionIcon, Alert, Button, Card, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadFormulary, receiveGoods } from '../fhir/pharmacy-api.ts';
import type { Schedule } from '../pharmacy/dispense.ts';
import {
  emptyLine,
  expiryWarning,
  type FormularyItem,
  formularyItems,
  type LineProblem,
  lineCost,
  lineProblems,
  noteCost,
  type ReceiptLine,
} from '../pharmacy/receipt.ts';
import { refusalMessage } from './refusal.ts';
import { NoStore, StorePicker, useStores } from './stores.tsx';

type TextField =
  | 'hsn'
  | 'lot'
  | 'expiry'
  | 'quantity'
  | 'freeQuantity'
  | 'packSize'
  | 'mrp'
  | 'purchasePrice'
  | 'discountPercent'
  | 'gstPercent';
const FIELDS: TextField[] = [
  'lot',
  'expiry',
  'quantity',
  'freeQuantity',
  'packSize',
  'mrp',
  'purchasePrice',
  'discountPercent',
  'gstPercent',
  'hsn',
];
const SCHEDULES: Schedule[] = ['OTC', 'H', 'H1', 'X'];

/** A goods receipt note: the supplier's invoice number and one line per batch received, sent as one `$receive-goods`. */
export function ReceivePage() {
  const { t, i18n } = useTranslation('pharmacy');
  const { medplum } = useSession();
  const { loaded, store } = useStores();
  const [items, setItems] = useState<FormularyItem[]>([]);
  const [invoice, setInvoice] = useState('');
  const [lines, setLines] = useState<ReceiptLine[]>([emptyLine()]);
  const [shown, setShown] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<number>();
  const [busy, setBusy] = useState(false);
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const today = todayInIndia();
  useEffect(() => {
    loadFormulary(medplum).then(
      (m) => setItems(formularyItems(m)),
      () => setError(t('errors.load')),
    );
  }, [medplum, t]);
  const options = useMemo(() => items.map((i) => ({ value: i.value, label: i.label })), [items]);
  if (loaded && !store) return <NoStore />;

  const problems = lines.map((l) => lineProblems(l));
  const set = (i: number, patch: Partial<ReceiptLine>) => setLines((ls) => ls.map((l, k) => (k === i ? { ...l, ...patch } : l)));
  const save = async () => {
    setShown(true);
    setSaved(undefined);
    setError(undefined);
    if (!store?.id || problems.some((p) => p.length)) {
      if (problems.some((p) => p.length)) setError(t('receive.fix'));
      return;
    }
    setBusy(true);
    try {
      const count = await receiveGoods(medplum, store.id, invoice, lines);
      setSaved(count);
      setLines([emptyLine()]);
      setInvoice('');
      setShown(false);
    } catch (e) {
      setError(refusalMessage(e, t, 'errors.receipt'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={2}>{t('receive.title')}</Title>
        <StorePicker />
      </Group>
      <TextInput
        label={t('receive.invoice')}
        value={invoice}
        onChange={(e) => setInvoice(e.currentTarget.value)}
        w={320}
        data-testid="invoice"
      />
      {lines.map((line, i) => {
        const bad = (p: LineProblem) => shown && problems[i].includes(p);
        const warning = expiryWarning(line, today);
        return (
          <Card key={i} withBorder data-testid={`line-${i + 1}`}>
            <Group justify="space-between" mb="xs">
              <Text fw={700}>{t('receive.line', { line: i + 1 })}</Text>
              {lines.length > 1 && (
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={t('receive.removeLine', { line: i + 1 })}
                  onClick={() => setLines((ls) => ls.filter((_, k) => k !== i))}
                >
                  ✕
                </ActionIcon>
              )}
            </Group>
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              <Select
                label={t('receive.field.item')}
                placeholder={t('receive.itemPlaceholder')}
                searchable
                limit={30}
                data={options}
                value={items.find((x) => x.coding.code === line.item?.code)?.value ?? null}
                error={bad('item')}
                data-testid={`line-${i + 1}-item`}
                onChange={(v) => {
                  const it = items.find((x) => x.value === v);
                  if (it)
                    set(i, {
                      item: it.coding,
                      hsn: it.hsn ?? line.hsn,
                      gstPercent: it.gstPercent !== undefined ? String(it.gstPercent) : line.gstPercent,
                    });
                }}
              />
              <Select
                label={t('receive.field.schedule')}
                data={SCHEDULES.map((s) => ({ value: s, label: t(`schedule.${s}`) }))}
                value={line.schedule}
                allowDeselect={false}
                data-testid={`line-${i + 1}-schedule`}
                onChange={(v) => v && set(i, { schedule: v as Schedule })}
              />
              {FIELDS.map((f) => (
                <TextInput
                  key={f}
                  label={t(`receive.field.${f}`)}
                  value={line[f]}
                  inputMode={f === 'lot' || f === 'expiry' ? undefined : 'decimal'}
                  error={bad(f as LineProblem) || (f.endsWith('Percent') && bad('percent'))}
                  data-testid={`line-${i + 1}-${f}`}
                  onChange={(e) => set(i, { [f]: e.currentTarget.value })}
                />
              ))}
            </SimpleGrid>
            {warning && (
              <Alert mt="sm" color={warning === 'expired' ? 'red' : 'yellow'} data-testid={`line-${i + 1}-warning`}>
                {t(`receive.${warning}`)}
              </Alert>
            )}
            {warning === 'near' && (
              <TextInput
                mt="xs"
                label={t('receive.field.nearExpiryReason')}
                value={line.nearExpiryReason}
                data-testid={`line-${i + 1}-nearExpiryReason`}
                onChange={(e) => set(i, { nearExpiryReason: e.currentTarget.value })}
              />
            )}
            <Text size="sm" mt="xs" ta="right">
              {t('receive.lineCost', { amount: formatInr(lineCost(line), lang) })}
            </Text>
          </Card>
        );
      })}
      <Group justify="space-between">
        <Button variant="light" onClick={() => setLines((ls) => [...ls, emptyLine()])} data-testid="add-line">
          {t('receive.addLine')}
        </Button>
        <Text fw={700} data-testid="note-total">
          {t('receive.total', { amount: formatInr(noteCost(lines), lang) })}
        </Text>
      </Group>
      {error && (
        <Alert color="red" data-testid="receipt-error" style={{ whiteSpace: 'pre-line' }}>
          {error}
        </Alert>
      )}
      {saved !== undefined && (
        <Alert color="green" data-testid="receipt-saved">
          {t('receive.saved', { count: saved })}
        </Alert>
      )}
      <Group>
        <Button onClick={() => void save()} loading={busy} data-testid="save-receipt">
          {t('receive.save')}
        </Button>
      </Group>
    </Stack>
  );
}
