import { describeError } from '@hospital-ops/app-shell';
import { Alert, Button, Checkbox, Divider, Group, Modal, NativeSelect, NumberInput, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { STATUS_LOOK } from '../board/board.ts';
import { isStale, updateSeen } from './api.ts';
import { BED_CLASSES, BED_TAGS, type BedClass, withBedDetails, withBedStatus } from './locations.ts';
import { ADMIN_STATUSES, type AdminBed, type AdminStatus, type AdminWard, bedLocked } from './wards.ts';

const asNumber = (v: number | string) => (v === '' ? undefined : Number(v));

/** One bed: its class, tags and place on the board, and its status (closed, isolated, contaminated, free). */
export function BedDialog({
  ward,
  bed,
  refresh,
  onClose,
}: {
  ward: AdminWard;
  bed: AdminBed;
  refresh: () => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const [bedClass, setBedClass] = useState<string>(bed.bedClass ?? '');
  const [tags, setTags] = useState<string[]>(bed.tags);
  const [row, setRow] = useState<number | string>(bed.row ?? '');
  const [column, setColumn] = useState<number | string>(bed.column ?? '');
  const [status, setStatus] = useState<AdminStatus>(ADMIN_STATUSES.includes(bed.status as AdminStatus) ? (bed.status as AdminStatus) : 'C');
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const locked = bedLocked(bed);
  const statusLabel = (s: keyof typeof STATUS_LOOK) => `${STATUS_LOOK[s].icon} ${t(`status.${STATUS_LOOK[s].key}`)}`;

  const save = async (next: ReturnType<typeof withBedStatus>, message: string) => {
    setBusy(true);
    try {
      await updateSeen(medplum, next);
      notifications.show({ color: 'green', message });
      await refresh().catch(() => undefined);
      onClose();
    } catch (err) {
      // The bed moved on meanwhile (an admission, say): read it again rather than overwrite it.
      if (isStale(err)) {
        await refresh().catch(() => undefined);
        setFailure(t('admin.changed'));
      } else setFailure(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const saveDetails = (e: FormEvent) => {
    e.preventDefault();
    const r = asNumber(row);
    const c = asNumber(column);
    if ((r === undefined) !== (c === undefined)) return setFailure(t('admin.positionBoth'));
    void save(
      withBedDetails(bed.resource, { bedClass: (bedClass || undefined) as BedClass | undefined, tags, row: r, column: c }),
      t('admin.saved', { bed: bed.name }),
    );
  };
  const saveStatus = (e: FormEvent) => {
    e.preventDefault();
    void save(withBedStatus(bed.resource, status), t('admin.statusSet', { bed: bed.name, status: statusLabel(status) }));
  };

  return (
    <Modal opened onClose={onClose} title={t('admin.editBed', { bed: bed.name })} size="lg">
      {locked ? (
        <Stack>
          <Alert color="yellow" data-testid="bed-locked">
            {t(`admin.locked.${locked}`, { bed: bed.name })}
          </Alert>
          <Group justify="end">
            <Button onClick={onClose}>{t('cancel')}</Button>
          </Group>
        </Stack>
      ) : (
        <Stack data-testid="bed-dialog">
          <form onSubmit={saveDetails}>
            <Stack>
              <NativeSelect
                label={t('admin.bedClass')}
                value={bedClass}
                onChange={(e) => setBedClass(e.currentTarget.value)}
                data={[
                  { value: '', label: t('admin.sameAsWard', { class: ward.bedClass ? t(`bedClass.${ward.bedClass}`) : '—' }) },
                  ...BED_CLASSES.map((c) => ({ value: c, label: t(`bedClass.${c}`) })),
                ]}
                data-autofocus
              />
              <Checkbox.Group label={t('admin.tags')} value={tags} onChange={setTags}>
                <Group mt={4}>
                  {BED_TAGS.map((tag) => (
                    <Checkbox key={tag} value={tag} label={t(`tag.${tag}`)} />
                  ))}
                </Group>
              </Checkbox.Group>
              <Group grow>
                <NumberInput label={t('admin.row')} value={row} onChange={setRow} min={1} allowDecimal={false} />
                <NumberInput label={t('admin.columnNo')} value={column} onChange={setColumn} min={1} allowDecimal={false} />
              </Group>
              <Group justify="end">
                <Button type="submit" loading={busy} data-testid="bed-save">
                  {t('admin.saveDetails')}
                </Button>
              </Group>
            </Stack>
          </form>
          <Divider />
          <form onSubmit={saveStatus}>
            <Stack gap="xs">
              <Text size="sm">{t('admin.statusHint')}</Text>
              <Group align="end">
                <NativeSelect
                  label={t('admin.status')}
                  value={status}
                  onChange={(e) => setStatus(e.currentTarget.value as AdminStatus)}
                  data={ADMIN_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))}
                  data-testid="bed-status-select"
                />
                <Button type="submit" variant="light" loading={busy} data-testid="bed-status-submit">
                  {t('admin.setStatus')}
                </Button>
              </Group>
            </Stack>
          </form>
          {failure && (
            <Alert color="red" role="alert" data-testid="dialog-error">
              {failure}
            </Alert>
          )}
          <Group justify="end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
