import { Box, Button, Group, Stack, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { drawBarcode, type LabelData } from '../lab/label.ts';
import { formatDateTime } from '../lib/format.ts';
import './label.css';

/**
 * The sample's label as it prints: Code-128 barcode of the accession number, patient, UHID, tests,
 * container and collection time, sized for a 50 x 25 mm label (label.css hides the rest when printing).
 */
export function SampleLabel({ label, autoFocus }: { label: LabelData; autoFocus?: boolean }) {
  const { t, i18n } = useTranslation('lab');
  const svg = useRef<SVGSVGElement>(null);
  const print = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (svg.current) drawBarcode(svg.current, label.accession);
  }, [label.accession]);
  useEffect(() => {
    // Straight after collecting, Enter prints.
    if (autoFocus) print.current?.focus();
  }, [autoFocus]);
  return (
    <Stack gap="xs" align="flex-start">
      <Box className="lab-label" data-testid="sample-label">
        <svg ref={svg} className="lab-label-barcode" aria-label={label.accession} data-testid="label-barcode" />
        <div className="lab-label-name">{label.patientName}</div>
        <div className="lab-label-line">
          {label.uhid} · {label.container}
        </div>
        <div className="lab-label-line">{label.tests.join(', ')}</div>
        <div className="lab-label-line">{formatDateTime(label.collected, i18n.language)}</div>
      </Box>
      <Group className="lab-no-print">
        <Button ref={print} size="lg" variant="outline" onClick={() => window.print()} data-testid="print-label">
          {t('label.print')}
        </Button>
        <Text size="sm" c="dimmed">
          {label.accession}
        </Text>
      </Group>
    </Stack>
  );
}
