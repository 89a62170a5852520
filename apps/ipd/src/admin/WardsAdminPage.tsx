import { ErrorView, useBranch, useLiveLoad, useSession } from '@hospital-ops/app-shell';
import { Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMedplum } from '@medplum/react';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { STATUS_LOOK } from '../board/board.ts';
import { AddBedsDialog } from './AddBedsDialog.tsx';
import { AddWardForm } from './AddWardForm.tsx';
import { branchLocations } from './api.ts';
import { BedDialog } from './BedDialog.tsx';
import { type AdminBed, type AdminWard, allBeds, bedLocked, readWards } from './wards.ts';

// Creating and editing wards and beds is the branch administrator's (docs/ipd.md); the server checks again.
const ADMINS = new Set(['branch_admin', 'super_admin']);
export const isWardAdmin = (role: string | undefined) => ADMINS.has(role ?? '');

/** The branch administrator's screen: the branch's wards, rooms and beds; add wards and beds, change beds. */
export function WardsAdminPage() {
  const { t } = useTranslation('ipd');
  const { role } = useSession();
  if (!isWardAdmin(role)) return <Text data-testid="admins-only">{t('admin.adminsOnly')}</Text>;
  return <WardsAdmin />;
}

function WardsAdmin() {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const branch = useBranch();
  const [wards, setWards] = useState<AdminWard[]>();
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState<{ kind: 'beds'; ward: AdminWard } | { kind: 'bed'; ward: AdminWard; bed: AdminBed }>();
  const read = useCallback(async () => {
    if (!branch) return [];
    const list = readWards(await branchLocations(medplum, branch));
    setWards(list);
    setError(undefined);
    return list;
  }, [medplum, branch]);
  const load = useCallback(async () => {
    try {
      await read();
    } catch (err) {
      setError(err);
    }
  }, [read]);
  // Beds change on every admission and discharge: the list follows, so an occupied bed shows as locked at once.
  useLiveLoad(['Location'], load, { pollMs: 5000, reason: 'IPD wards and beds' });
  const close = () => setOpen(undefined);

  if (!wards) return error ? <ErrorView error={error} /> : <Loader aria-label={t('admin.loading')} />;
  const className = (c: string | undefined) => (c ? t(`bedClass.${c}`, { defaultValue: c }) : '—');

  const bedTable = (ward: AdminWard, beds: AdminBed[]) =>
    beds.length === 0 ? (
      <Text c="dimmed">{t('admin.noBeds')}</Text>
    ) : (
      <Table striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            {(['bed', 'class', 'tags', 'position', 'status', 'actions'] as const).map((c) => (
              <Table.Th key={c}>{t(`admin.column.${c}`)}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {beds.map((b) => {
            const look = STATUS_LOOK[b.status];
            const locked = bedLocked(b);
            return (
              <Table.Tr key={b.id} data-testid={`admin-bed-${b.name}`} data-status={b.status}>
                <Table.Td fw={700}>{b.name}</Table.Td>
                <Table.Td>{b.bedClass ? className(b.bedClass) : t('admin.sameAsWard', { class: className(b.effectiveClass) })}</Table.Td>
                <Table.Td>{b.tags.map((x) => t(`tag.${x}`, { defaultValue: x })).join(', ')}</Table.Td>
                <Table.Td>
                  {b.row !== undefined && b.column !== undefined
                    ? t('admin.position', { row: b.row, column: b.column })
                    : t('admin.noPosition')}
                </Table.Td>
                <Table.Td data-testid="admin-bed-status">{`${look.icon} ${t(`status.${look.key}`)}`}</Table.Td>
                <Table.Td>
                  {locked ? (
                    <Text size="sm" c="dimmed" data-testid="admin-bed-locked">
                      {t(`admin.locked.${locked}`, { bed: b.name })}
                    </Text>
                  ) : (
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => setOpen({ kind: 'bed', ward, bed: b })}
                      aria-label={t('admin.editBed', { bed: b.name })}
                    >
                      {t('admin.edit')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    );

  return (
    <Stack>
      <Title order={2}>{t('admin.title')}</Title>
      {error !== undefined && <ErrorView error={error} />}
      {wards.length === 0 && <Text>{t('admin.none')}</Text>}
      {wards.map((w) => (
        <Card key={w.id} withBorder padding="md" data-testid={`admin-ward-${w.name}`}>
          <Group justify="space-between" mb="xs">
            <Title order={3}>{t('admin.wardHeading', { ward: w.name, class: className(w.bedClass), beds: allBeds(w).length })}</Title>
            <Button variant="light" onClick={() => setOpen({ kind: 'beds', ward: w })} data-testid="admin-add-beds">
              {t('admin.addBeds')}
            </Button>
          </Group>
          <Stack gap="sm">
            {w.rooms.map((r) => (
              <Stack key={r.id} gap={4}>
                <Title order={4}>{t('admin.room', { room: r.name })}</Title>
                {bedTable(w, r.beds)}
              </Stack>
            ))}
            {(w.beds.length > 0 || w.rooms.length === 0) && (
              <Stack gap={4}>
                {w.rooms.length > 0 && <Title order={4}>{t('admin.inWard')}</Title>}
                {bedTable(w, w.beds)}
              </Stack>
            )}
          </Stack>
        </Card>
      ))}
      {branch && <AddWardForm branch={branch} wards={wards} refresh={read} />}
      {open?.kind === 'beds' && branch && <AddBedsDialog branch={branch} ward={open.ward} wards={wards} refresh={read} onClose={close} />}
      {open?.kind === 'bed' && <BedDialog ward={open.ward} bed={open.bed} refresh={read} onClose={close} />}
    </Stack>
  );
}
