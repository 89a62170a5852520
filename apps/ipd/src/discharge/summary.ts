import type { MedplumClient } from '@medplum/core';
import type { Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';

// The discharge summary operations (docs/ipd.md): the draft from the stay, the doctor's signature, the PDF.

export const SUMMARY_FIELDS = ['diagnoses', 'procedures', 'course', 'medications', 'advice'] as const;
export type SummaryField = (typeof SUMMARY_FIELDS)[number];
export type SummaryTexts = Record<SummaryField, string> & { followUp: string };

export interface SummaryDraft {
  texts: SummaryTexts;
  patient?: Reference;
  attending?: Reference;
  admittedAt?: string;
  dischargedAt?: string;
  disposition?: string;
  deathAt?: string;
  /** Set once signed: the Composition, its status (final or amended), who signed and when. */
  composition?: string;
  status?: string;
  signedBy?: Reference;
  signedAt?: string;
}

const one = (p: Parameters, name: string): ParametersParameter | undefined => p.parameter?.find((x) => x.name === name);

export function readDraft(p: Parameters): SummaryDraft {
  const text = (name: string) => one(p, name)?.valueString ?? '';
  return {
    texts: {
      diagnoses: text('diagnoses'),
      procedures: text('procedures'),
      course: text('course'),
      medications: text('medications'),
      advice: text('advice'),
      followUp: one(p, 'followUp')?.valueDate ?? '',
    },
    patient: one(p, 'patient')?.valueReference,
    attending: one(p, 'attending')?.valueReference,
    admittedAt: one(p, 'admittedAt')?.valueDateTime,
    dischargedAt: one(p, 'dischargedAt')?.valueDateTime,
    disposition: one(p, 'disposition')?.valueCode,
    deathAt: one(p, 'deathAt')?.valueDateTime,
    composition: one(p, 'composition')?.valueReference?.reference,
    status: one(p, 'status')?.valueCode,
    signedBy: one(p, 'signedBy')?.valueReference,
    signedAt: one(p, 'signedAt')?.valueDateTime,
  };
}

/** What the doctor signs: every text (empty ones too, so a cleared field is cleared) and the follow-up date if set. */
export function signParameters(texts: SummaryTexts): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      ...SUMMARY_FIELDS.map((name) => ({ name, valueString: texts[name].trim() })),
      ...(texts.followUp ? [{ name: 'followUp', valueDate: texts.followUp }] : []),
    ],
  };
}

export const summaryDraft = (medplum: MedplumClient, encounterId: string) =>
  medplum.get<Parameters>(medplum.fhirUrl('Encounter', encounterId, '$discharge-summary-draft'), { cache: 'no-cache' });
export const signSummary = (medplum: MedplumClient, encounterId: string, texts: SummaryTexts) =>
  medplum.post(medplum.fhirUrl('Encounter', encounterId, '$discharge-summary'), signParameters(texts));

/** Fetches the signed summary's PDF with the session's token and opens it in a new tab for printing. */
export async function openSummaryPdf(medplum: MedplumClient, encounterId: string): Promise<void> {
  // Open the tab first: browsers only allow pop-ups in the click's own turn.
  const tab = window.open('', '_blank');
  const blob = await medplum.download(medplum.fhirUrl('Encounter', encounterId, '$discharge-summary-pdf'), {
    headers: { accept: 'application/pdf' },
  });
  const url = URL.createObjectURL(blob);
  if (tab) tab.location.href = url;
  else window.location.assign(url);
}
