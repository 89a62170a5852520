import { describeError } from '@hospital-ops/app-shell';
import { Alert, Button, Checkbox, Group, Modal, NativeSelect, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createInOne } from './api.ts';
import { BED_CLASSES, BED_TAGS, type BedClass } from './locations.ts';
import { type AdminWard, allBeds, type BulkBeds, bulkBedsBundle, bulkNumbering, bulkProblem, nextNumber, nextRow } from './wards.ts';

/** "Add N beds": numbered from a prefix, in rows of K columns below the ward's beds, all in one transaction. */
export function AddBedsDialog({
  branch,
  ward,
  wards,
  refresh,
  onClose,
}: {
  branch: string;
  ward: AdminWard;
  /** The branch's wards: bed names are unique in the branch (the board and the desks find beds by name). */
  wards: AdminWard[];
  refresh: () => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const [parent, setParent] = useState(ward.id);
  const [prefix, setPrefix] = useState('');
  const [start, setStart] = useState<number | string>('');
  const [count, setCount] = useState<number | string>(4);
  const [columns, setColumns] = useState<number | string>(4);
  const [bedClass, setBedClass] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);

  const branchBeds = wards.flatMap(allBeds);
  const request: BulkBeds = {
    prefix,
    count: Number(count),
    columns: Number(columns),
    start: start === '' ? nextNumber(branchBeds, prefix) : Number(start),
    firstRow: nextRow(ward),
  };
  const problem = bulkProblem(
    request,
    branchBeds.map((b) => b.name),
  );
  const planned = problem ? [] : bulkNumbering(request);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return setFailure(t(`admin.problem.${problem}`));
    setBusy(true);
    try {
      await createInOne(medplum, bulkBedsBundle(branch, parent, request, (bedClass || undefined) as BedClass | undefined, tags));
      notifications.show({ color: 'green', message: t('admin.bedsAdded', { count: request.count, ward: ward.name }) });
      await refresh().catch(() => undefined);
      onClose();
    } catch (err) {
      setFailure(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={t('admin.addBedsTitle', { ward: ward.name })} size="lg">
      <form onSubmit={(e) => void submit(e)} data-testid="add-beds-dialog">
        <Stack>
          {ward.rooms.length > 0 && (
            <NativeSelect
              label={t('admin.parent')}
              value={parent}
              onChange={(e) => setParent(e.currentTarget.value)}
              data={[
                { value: ward.id, label: t('admin.parentWard') },
                ...ward.rooms.map((r) => ({ value: r.id, label: t('admin.room', { room: r.name }) })),
              ]}
            />
          )}
          <TextInput
            label={t('admin.prefix')}
            description={t('admin.prefixHint')}
            value={prefix}
            onChange={(e) => {
              setPrefix(e.currentTarget.value);
              setFailure(undefined);
            }}
            data-autofocus
            data-testid="beds-prefix"
          />
          <Group grow>
            <NumberInput
              label={t('admin.count')}
              value={count}
              onChange={setCount}
              min={1}
              max={100}
              allowDecimal={false}
              data-testid="beds-count"
            />
            <NumberInput
              label={t('admin.columns')}
              value={columns}
              onChange={setColumns}
              min={1}
              max={20}
              allowDecimal={false}
              data-testid="beds-columns"
            />
            <NumberInput
              label={t('admin.start')}
              value={start}
              onChange={setStart}
              placeholder={String(request.start)}
              min={1}
              allowDecimal={false}
            />
          </Group>
          <NativeSelect
            label={t('admin.bedClass')}
            value={bedClass}
            onChange={(e) => setBedClass(e.currentTarget.value)}
            data={[{ value: '', label: t('admin.inherit') }, ...BED_CLASSES.map((c) => ({ value: c, label: t(`bedClass.${c}`) }))]}
          />
          <Checkbox.Group label={t('admin.tags')} value={tags} onChange={setTags}>
            <Group mt={4}>
              {BED_TAGS.map((tag) => (
                <Checkbox key={tag} value={tag} label={t(`tag.${tag}`)} />
              ))}
            </Group>
          </Checkbox.Group>
          {planned.length > 0 && (
            <Text data-testid="beds-preview">
              {t('admin.preview', {
                first: planned[0].name,
                last: planned[planned.length - 1].name,
                rows: Math.ceil(planned.length / request.columns),
                columns: request.columns,
              })}
            </Text>
          )}
          {failure && (
            <Alert color="red" role="alert" data-testid="dialog-error">
              {failure}
            </Alert>
          )}
          <Group justify="end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={busy} data-testid="add-beds-submit">
              {t('admin.addBedsSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
