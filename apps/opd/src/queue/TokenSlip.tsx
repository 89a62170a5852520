import { Button, Group, Modal, Stack } from '@mantine/core';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.ts';
import { type SlipData, slipData, uhidQrSvg } from './slip.ts';

// On paper only the slip shows: a narrow receipt printer or an A4 sheet, either way.
const PRINT_CSS = `
@media screen { .token-slip-print { display: none; } }
@media print {
  @page { margin: 4mm; }
  body > *:not(.token-slip-print) { display: none !important; }
  .token-slip-print { display: block; width: 72mm; font-family: sans-serif; color: #000; }
}
.token-slip { text-align: center; }
.token-slip .slip-token { font-size: 40px; font-weight: 700; line-height: 1.1; }
.token-slip .slip-qr svg { width: 30mm; height: 30mm; }
.token-slip .slip-row { display: flex; justify-content: space-between; gap: 8px; font-size: 13px; text-align: left; }
`;

/** The slip itself: every label in English and Hindi, whatever language the desk uses. */
export function Slip({ data, qr }: { data: SlipData; qr: string }) {
  const { i18n } = useTranslation('opd');
  const en = i18n.getFixedT('en', 'opd');
  const hi = i18n.getFixedT('hi', 'opd');
  const both = (key: string) => (en(key) === hi(key) ? en(key) : `${en(key)} / ${hi(key)}`);
  const row = (key: string, value: string) => (
    <div className="slip-row">
      <span>{both(key)}</span>
      <strong>{value}</strong>
    </div>
  );
  return (
    <div className="token-slip" data-testid="token-slip">
      {data.branch && <div>{data.branch}</div>}
      <div>{both('slip.token')}</div>
      <div className="slip-token" data-testid="slip-token">
        {data.token ?? ''}
      </div>
      {row('slip.patient', data.patient)}
      {row('slip.uhid', data.uhid)}
      {row('slip.doctor', data.doctor)}
      {row('slip.time', data.issued ? formatDateTime(data.issued, 'en') : '')}
      {/* The QR library's own SVG markup of the UHID (no user HTML). */}
      {qr && <div className="slip-qr" data-testid="slip-qr" dangerouslySetInnerHTML={{ __html: qr }} />}
      <div style={{ fontSize: 12 }}>{both('slip.wait')}</div>
    </div>
  );
}

/**
 * Shown after check-in: the slip to print for the patient (token, doctor, time, UHID and its QR).
 * Printing uses the browser's print dialog; a print stylesheet leaves only the slip on paper.
 */
export function TokenSlipModal({ encounter, patient, onClose }: { encounter?: Encounter; patient?: Patient; onClose: () => void }) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const [data, setData] = useState<SlipData>();
  const [qr, setQr] = useState('');
  useEffect(() => {
    if (!encounter) return setData(undefined);
    let live = true;
    void (async () => {
      const p = patient ?? (await medplum.readReference<Patient>({ reference: encounter.subject?.reference ?? '' }).catch(() => undefined));
      const d = slipData(encounter, p);
      const svg = d.uhid ? await uhidQrSvg(d.uhid) : '';
      if (live) {
        setData(d);
        setQr(svg);
      }
    })();
    return () => {
      live = false;
    };
  }, [encounter, patient, medplum]);
  return (
    <Modal opened={encounter !== undefined} onClose={onClose} title={t('slip.title')} size="sm">
      <style>{PRINT_CSS}</style>
      {data && (
        <Stack>
          <Slip data={data} qr={qr} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('slip.close')}
            </Button>
            <Button onClick={() => window.print()} data-testid="print-slip">
              {t('slip.print')}
            </Button>
          </Group>
          {createPortal(
            <div className="token-slip-print">
              <Slip data={data} qr={qr} />
            </div>,
            document.body,
          )}
        </Stack>
      )}
    </Modal>
  );
}
