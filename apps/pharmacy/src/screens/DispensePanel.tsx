import { useSession } from '@hospital-ops/app-shell';
import { formatDate, todayInIndia } from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Badge, Button, Group, NumberInput, Radio, Stack, Text, TextInput } from '@mantine/core';
import type { Medication } from '@medplum/fhirtypes';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dispense, loadBatches, loadStock, safetyDays } from '../fhir/pharmacy-api.ts';
import { batchForScan, type DispenseOutcome, itemKey, type PrescriptionRow, scheduleOf } from '../pharmacy/dispense.ts';
import { readRefusal } from '../pharmacy/errors.ts';
import { type BatchChoice, batchChoices, dispensable } from '../pharmacy/stock.ts';
import { refusalMessage } from './refusal.ts';
import { useStores } from './stores.tsx';

const FEFO = 'fefo';

/**
 * Dispensing one prescription: the quantity (what is pending), the store's batches of the item
 * earliest expiry first with FEFO's pre-selected, a scan box for a strip's batch barcode, the
 * schedule's warning; the server picks and answers. Short stock comes back as the server's 409,
 * said as our sentence with a button to give what there is and leave the rest pending.
 */
export function DispensePanel({ row, onDone }: { row: PrescriptionRow; onDone: (o: DispenseOutcome) => void }) {
  const { t } = useTranslation('pharmacy');
  const { medplum } = useSession();
  const { store } = useStores();
  const [choices, setChoices] = useState<BatchChoice[]>();
  const [meds, setMeds] = useState<Map<string, Medication>>(new Map());
  const [quantity, setQuantity] = useState<number | string>(row.pending ?? '');
  const [batch, setBatch] = useState(FEFO);
  const [scan, setScan] = useState('');
  const [scanMessage, setScanMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const [short, setShort] = useState<{ available: number; wanted: number }>();
  const [busy, setBusy] = useState(false);
  const qty = useRef<HTMLInputElement>(null);
  const item = row.item ? itemKey(row.item) : undefined;

  useEffect(() => {
    if (!store?.id || !item) return;
    const today = todayInIndia();
    loadStock(medplum, store.id)
      .then(async (stock) => {
        const c = batchChoices(stock, item, store.id as string, today, safetyDays(store));
        setChoices(c);
        setMeds(
          await loadBatches(
            medplum,
            c.map((x) => x.batch.medication),
          ),
        );
      })
      .catch((e) => setError(refusalMessage(e, t, 'errors.dispense')));
    qty.current?.focus();
  }, [medplum, store, item, t]);

  if (!item) return <Alert color="yellow">{t('dispense.noItem')}</Alert>;

  const wanted = typeof quantity === 'number' ? quantity : undefined;
  const chosen = batch === FEFO ? undefined : choices?.find((c) => c.batch.medication === batch);
  // The schedule of what will be given: the scanned batch's, else FEFO's first.
  const schedule = scheduleOf(meds.get(chosen?.batch.medication ?? choices?.find((c) => c.fefo)?.batch.medication ?? ''));

  const give = async (partial: boolean) => {
    if (!store?.id || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await dispense(medplum, row.id, {
        store: store.id,
        ...(wanted !== undefined ? { quantity: wanted } : {}),
        partial,
        ...(chosen ? { batch: chosen.batch.medication } : {}),
      });
      setShort(undefined);
      onDone(outcome);
    } catch (e) {
      const r = readRefusal(e);
      setShort(r?.code === 'INSUFFICIENT_STOCK' && r.available && r.wanted ? { available: r.available, wanted: r.wanted } : undefined);
      setError(refusalMessage(e, t, 'errors.dispense'));
    } finally {
      setBusy(false);
    }
  };

  const onScan = () => {
    const found = choices
      ? batchForScan(
          choices.map((c) => ({ ...c, medication: c.batch.medication, lot: c.batch.lot })),
          scan,
        )
      : undefined;
    setScan('');
    if (!found || found.notOffered) {
      setScanMessage(
        found?.notOffered
          ? t(`outcome.${found.notOffered === 'expired' ? 'EXPIRED_BATCH' : 'BATCH_IN_SAFETY_WINDOW'}`)
          : t('dispense.scanUnknown', { value: scan }),
      );
      return;
    }
    setScanMessage(undefined);
    setBatch(found.batch.medication);
  };

  return (
    <Stack data-testid="dispense-panel" gap="sm">
      <Group align="end">
        <NumberInput
          ref={qty}
          label={t('dispense.quantity')}
          data-testid="dispense-quantity"
          min={1}
          allowDecimal={false}
          value={quantity}
          onChange={setQuantity}
          w={180}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void give(false);
            }
          }}
        />
        <TextInput
          label={t('dispense.scan')}
          data-testid="batch-scan"
          value={scan}
          autoComplete="off"
          spellCheck={false}
          error={scanMessage}
          onChange={(e) => setScan(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              onScan();
            }
          }}
          w={360}
        />
      </Group>
      {choices && (
        <Radio.Group label={t('dispense.batch')} value={batch} onChange={setBatch}>
          <Stack gap={4} mt={4}>
            <Radio
              value={FEFO}
              label={`${t('dispense.fefo')} — ${t('dispense.available', { count: dispensable(choices) })}`}
              data-testid="batch-fefo"
            />
            {choices.map((c) => (
              <Radio
                key={c.batch.medication}
                value={c.batch.medication}
                disabled={!!c.notOffered}
                data-testid={`batch-radio-${c.batch.lot}`}
                label={
                  <Group gap="xs" data-testid={`batch-${c.batch.lot}`}>
                    <Text size="sm">
                      {c.batch.lot} · {t('dispense.expiresOn', { date: formatDate(c.batch.expiry) })} ·{' '}
                      {t('dispense.onHand', { count: c.batch.onHand })}
                    </Text>
                    {c.fefo && (
                      <Badge size="sm" color="teal" data-testid="fefo-first">
                        FEFO
                      </Badge>
                    )}
                    {c.notOffered && (
                      <Badge size="sm" color={c.notOffered === 'empty' ? 'gray' : 'red'}>
                        {t(`dispense.notOffered.${c.notOffered}`)}
                      </Badge>
                    )}
                  </Group>
                }
              />
            ))}
          </Stack>
        </Radio.Group>
      )}
      <Text size="sm" c="dimmed">
        {batch === FEFO ? t('dispense.fefoHint') : t('dispense.scanned', { lot: chosen?.batch.lot ?? '' })}
      </Text>
      {choices && !dispensable(choices) && <Alert color="orange">{t('dispense.noStock')}</Alert>}
      {schedule !== 'OTC' && (
        <Alert color={schedule === 'H' ? 'yellow' : 'red'} data-testid="schedule-warning">
          {t(`schedule.warn${schedule}`)}
        </Alert>
      )}
      {error && (
        <Alert color="red" data-testid="dispense-error">
          {error}
        </Alert>
      )}
      <Group>
        {short ? (
          <Button color="orange" loading={busy} onClick={() => void give(true)} data-testid="give-partial">
            {t('dispense.givePartial', { count: short.available })}
          </Button>
        ) : (
          <Button
            loading={busy}
            disabled={wanted === undefined && row.pending === undefined}
            onClick={() => void give(false)}
            data-testid="give"
          >
            {t('dispense.give', { count: wanted ?? row.pending ?? 0 })}
          </Button>
        )}
        {chosen && (
          <Button variant="subtle" onClick={() => setBatch(FEFO)}>
            {t('dispense.useFefo')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
