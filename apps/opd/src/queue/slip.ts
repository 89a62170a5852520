import type { Encounter, Patient } from '@medplum/fhirtypes';
import QRCode from 'qrcode';
import { tokenOf } from '../fhir/opd-operations.ts';
import { uhidOf } from '../fhir/patient.ts';

/** What the token slip handed over at check-in says. */
export interface SlipData {
  token?: number;
  patient: string;
  uhid: string;
  doctor: string;
  branch: string;
  /** When the token was issued (the visit's start). */
  issued?: string;
}

export function slipData(encounter: Encounter, patient: Patient | undefined): SlipData {
  const doctor = encounter.participant?.find((p) => p.individual?.reference?.startsWith('Practitioner/'))?.individual;
  return {
    token: tokenOf(encounter),
    patient: patient?.name?.[0]?.text ?? [patient?.name?.[0]?.given?.join(' '), patient?.name?.[0]?.family].filter(Boolean).join(' ') ?? '',
    uhid: uhidOf(patient),
    doctor: doctor?.display ?? '',
    branch: encounter.serviceProvider?.display ?? '',
    issued: encounter.period?.start,
  };
}

/** The UHID as a QR code (SVG markup), for the desk's scanner at the next visit. */
export function uhidQrSvg(uhid: string): Promise<string> {
  return QRCode.toString(uhid, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}
