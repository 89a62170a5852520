import { Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { shownName } from '../fhir/patient.ts';
import { type Bed, STATUS_LOOK } from './board.ts';

export type BedAction = 'admit' | 'transfer' | 'discharge' | 'ready' | 'vitals' | 'mar';

// Admission and discharge are the doctor's and the administrator's (docs/ipd.md); nurses transfer and turn beds over.
const ADMITS = new Set(['doctor', 'branch_admin', 'super_admin']);

/** What the signed-in role can do to a bed in each status from this screen (the server checks again). */
export function actionsFor(bed: Bed, role: string | undefined): BedAction[] {
  const admits = ADMITS.has(role ?? '');
  if (bed.status === 'U') return admits ? ['admit'] : [];
  if (bed.status === 'O' && bed.encounterId) return admits ? ['vitals', 'mar', 'transfer', 'discharge'] : ['vitals', 'mar', 'transfer'];
  if (bed.status === 'H' || bed.status === 'K') return ['ready'];
  return [];
}

interface BedCardProps {
  bed: Bed;
  role?: string;
  onAction: (action: BedAction, bed: Bed) => void;
}

/** One bed: a big status band with icon and word (never colour alone), the patient, day of stay and doctor, and its actions. */
function BedCardView({ bed, role, onAction }: BedCardProps) {
  const { t } = useTranslation('ipd');
  const look = STATUS_LOOK[bed.status];
  const status = t(`status.${look.key}`);
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      w={210}
      mih={150}
      data-testid={`bed-${bed.name}`}
      data-status={bed.status}
      aria-label={t('board.bedActions', { bed: bed.name, status })}
      style={{ borderLeft: `8px solid var(--mantine-color-${look.color}-6)` }}
    >
      <Stack gap={4}>
        <Text fw={700} size="lg" style={{ whiteSpace: 'nowrap' }}>
          {bed.name}
        </Text>
        <Badge
          size="lg"
          fullWidth
          radius="sm"
          color={look.color}
          variant={bed.status === 'O' ? 'filled' : 'light'}
          data-testid="bed-status"
        >
          <span aria-hidden>{look.icon}</span> {status}
        </Badge>
        {bed.patient && (
          <Text fw={600} lineClamp={1} data-testid="bed-patient">
            {shownName(bed.patient)}
          </Text>
        )}
        {bed.daysAdmitted !== undefined && (
          <Text size="sm">
            {t('board.days', { count: bed.daysAdmitted + 1 })}
            {bed.attending ? ` · ${shownName(bed.attending)}` : ''}
          </Text>
        )}
        {bed.tags.length > 0 && (
          <Group gap={4}>
            {bed.tags.map((tag) => (
              <Badge key={tag} size="xs" variant="outline" color="gray">
                {t(`tag.${tag}`, { defaultValue: tag })}
              </Badge>
            ))}
          </Group>
        )}
        <Group gap={6} mt={4}>
          {actionsFor(bed, role).map((action) => (
            <Button key={action} size="xs" variant={action === 'discharge' ? 'default' : 'light'} onClick={() => onAction(action, bed)}>
              {action === 'mar' ? t('mar.open') : t(`board.${action}`)}
            </Button>
          ))}
        </Group>
      </Stack>
    </Paper>
  );
}

/**
 * Each live update re-reads the whole board as new objects; a card re-renders only when what it
 * shows changed, so a transfer repaints two cards, not five hundred.
 */
export const BedCard = memo(
  BedCardView,
  (a, b) => a.role === b.role && a.onAction === b.onAction && JSON.stringify(a.bed) === JSON.stringify(b.bed),
);
