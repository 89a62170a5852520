import { ErrorView, useSession } from '@hospital-ops/app-shell';
import { Badge, Card, Group, Loader, Progress, Select, Stack, Text, Title } from '@mantine/core';
import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { AdmitDialog } from '../dialogs/AdmitDialog.tsx';
import { BedReadyDialog } from '../dialogs/BedReadyDialog.tsx';
import { DischargeDialog } from '../dialogs/DischargeDialog.tsx';
import { TransferDialog } from '../dialogs/TransferDialog.tsx';
import { type BedAction, BedCard } from './BedCard.tsx';
import { BED_STATUSES, type Bed, type BedStatus, bedClasses, filterBoard, gridRows, occupancyPercent, STATUS_LOOK } from './board.ts';
import { useBedBoard } from './useBedBoard.ts';

const WARD_STYLE = { contentVisibility: 'auto', containIntrinsicSize: 'auto 900px' } as const;

/** The ward nurse's and admission desk's screen: every ward's beds, live, with what can be done to each. */
export function BedBoardPage() {
  const { t } = useTranslation('ipd');
  const { wards, error, live, refresh } = useBedBoard();
  const navigate = useNavigate();
  const { role } = useSession();
  const [ward, setWard] = useState<string | null>(null);
  const [bedClass, setBedClass] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [open, setOpen] = useState<{ action: BedAction; bed: Bed }>();
  const shown = useMemo(
    () =>
      filterBoard(wards ?? [], { ward: ward ?? undefined, bedClass: bedClass ?? undefined, status: (status as BedStatus) ?? undefined }),
    [wards, ward, bedClass, status],
  );
  // One function for every card and every render, so that unchanged cards are not re-rendered (BedCard is memoised).
  const onAction = useCallback(
    (action: BedAction, bed: Bed) =>
      action === 'vitals' || action === 'mar' ? navigate(`/${action}/${bed.encounterId}`) : setOpen({ action, bed }),
    [navigate],
  );
  if (!wards) return error ? <ErrorView error={error} /> : <Loader aria-label={t('board.loading')} />;
  const total = wards.reduce((n, w) => n + w.total, 0);
  const occupied = wards.reduce((n, w) => n + w.occupied, 0);
  const close = () => setOpen(undefined);
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Group align="end">
          <Select
            label={t('board.ward')}
            placeholder={t('board.allWards')}
            clearable
            value={ward}
            onChange={setWard}
            data={wards.map((w) => ({ value: w.id, label: w.name }))}
            data-testid="filter-ward"
          />
          <Select
            label={t('board.bedClass')}
            placeholder={t('board.allClasses')}
            clearable
            value={bedClass}
            onChange={setBedClass}
            data={bedClasses(wards).map((c) => ({ value: c, label: t(`bedClass.${c}`, { defaultValue: c }) }))}
          />
          <Select
            label={t('board.statusFilter')}
            placeholder={t('board.allStatuses')}
            clearable
            value={status}
            onChange={setStatus}
            data={BED_STATUSES.map((s) => ({ value: s, label: `${STATUS_LOOK[s].icon} ${t(`status.${STATUS_LOOK[s].key}`)}` }))}
          />
        </Group>
        <Stack gap={2} align="end">
          <Badge size="lg" color={live ? 'teal' : 'orange'} variant="dot" data-testid="live-state" data-live={live}>
            {live ? t('board.live') : t('board.offline')}
          </Badge>
          <Text size="sm">{t('board.branchOccupancy', { occupied, total, percent: occupancyPercent(occupied, total) })}</Text>
        </Stack>
      </Group>
      {error !== undefined && <ErrorView error={error} />}
      {shown.length === 0 && <Text c="dimmed">{t('board.empty')}</Text>}
      {shown.map((w) => (
        // Wards below the fold are neither laid out nor painted until scrolled to (content-visibility).
        <Card key={w.id} withBorder padding="md" data-testid={`ward-${w.name}`} style={WARD_STYLE}>
          <Group justify="space-between" mb="xs">
            <Title order={3}>
              {w.name}
              {w.bedClass ? ` · ${t(`bedClass.${w.bedClass}`, { defaultValue: w.bedClass })}` : ''}
            </Title>
            <Text data-testid="ward-occupancy">
              {t('board.occupancy', { occupied: w.occupied, total: w.total, percent: occupancyPercent(w.occupied, w.total) })}
            </Text>
          </Group>
          <Progress value={occupancyPercent(w.occupied, w.total)} mb="sm" aria-hidden />
          <Stack gap="sm">
            {gridRows(w.beds).map((row) => (
              <Group key={row.map((b) => b.id).join()} gap="sm" align="stretch">
                {row.map((b) => (
                  <BedCard key={b.id} bed={b} role={role} onAction={onAction} />
                ))}
              </Group>
            ))}
          </Stack>
        </Card>
      ))}
      {open?.action === 'admit' && <AdmitDialog bed={open.bed} wards={wards} refresh={refresh} onClose={close} />}
      {open?.action === 'transfer' && <TransferDialog bed={open.bed} wards={wards} refresh={refresh} onClose={close} />}
      {open?.action === 'discharge' && <DischargeDialog bed={open.bed} refresh={refresh} onClose={close} />}
      {open?.action === 'ready' && <BedReadyDialog bed={open.bed} refresh={refresh} onClose={close} />}
    </Stack>
  );
}
