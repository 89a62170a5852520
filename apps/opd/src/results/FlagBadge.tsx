import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ResultFlag } from './results.ts';

const COLOUR: Record<ResultFlag, string> = { N: 'gray', H: 'orange', L: 'blue', HH: 'red', LL: 'red' };

/** A result's flag in colour and in words (colour alone is not enough to read). */
export function FlagBadge({ flag }: { flag?: ResultFlag }) {
  const { t } = useTranslation('opd');
  if (!flag || flag === 'N') return null;
  return (
    <Badge color={COLOUR[flag]} variant={flag === 'HH' || flag === 'LL' ? 'filled' : 'light'} data-testid={`flag-${flag}`}>
      {t(`labResults.flag.${flag}`)}
    </Badge>
  );
}
