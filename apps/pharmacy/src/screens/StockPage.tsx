import { useSession } from '@hospital-ops/app-shell';
import { formatDate, todayInIndia } from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Badge, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadStock } from '../fhir/pharmacy-api.ts';
import { BAND_COLOUR, expiryBand, type StockBatch, stockByItem } from '../pharmacy/stock.ts';
import { NoStore, StorePicker, useStores } from './stores.tsx';

/** Stock by item and batch in the chosen store; each batch coloured (and named) by how near its expiry is. */
export function StockPage() {
  const { t, i18n } = useTranslation('pharmacy');
  const { medplum } = useSession();
  const { loaded, store } = useStores();
  const [batches, setBatches] = useState<StockBatch[]>();
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');
  useEffect(() => {
    if (!store?.id) return;
    setBatches(undefined);
    loadStock(medplum, store.id).then(setBatches, () => setFailed(true));
  }, [medplum, store?.id]);
  if (loaded && !store) return <NoStore />;
  const today = todayInIndia();
  const items = batches ? stockByItem(batches, today, query) : [];
  const n = (v: number) => v.toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN');
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={2}>{t('stock.title')}</Title>
        <StorePicker />
      </Group>
      <TextInput
        label={t('stock.search')}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        data-testid="stock-search"
        w={360}
      />
      {failed && <Alert color="red">{t('errors.load')}</Alert>}
      {!batches && !failed && <Loader />}
      {batches && !items.length && <Text c="dimmed">{t('stock.empty')}</Text>}
      {items.length > 0 && (
        <Table striped withTableBorder data-testid="stock-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('stock.column.medicine')}</Table.Th>
              <Table.Th>{t('stock.column.batch')}</Table.Th>
              <Table.Th>{t('stock.column.expiry')}</Table.Th>
              <Table.Th>{t('stock.column.status')}</Table.Th>
              <Table.Th ta="right">{t('stock.column.onHand')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.flatMap((it) => [
              <Table.Tr key={it.item} data-testid="stock-item">
                <Table.Td colSpan={4}>
                  <Text fw={700}>{it.itemDisplay}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" fw={700}>
                    {t('stock.total', { units: n(it.total), usable: n(it.usable) })}
                  </Text>
                </Table.Td>
              </Table.Tr>,
              ...it.batches.map((b) => {
                const band = expiryBand(b.expiry, today);
                return (
                  <Table.Tr key={`${it.item}-${b.medication}`} data-testid={`stock-batch-${b.lot}`} data-band={band}>
                    <Table.Td />
                    <Table.Td>{b.lot}</Table.Td>
                    <Table.Td>{formatDate(b.expiry)}</Table.Td>
                    <Table.Td>
                      <Badge color={BAND_COLOUR[band]} variant={band === 'ok' ? 'light' : 'filled'} data-testid="expiry-band">
                        {t(`stock.band.${band}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">{n(b.onHand)}</Table.Td>
                  </Table.Tr>
                );
              }),
            ])}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
