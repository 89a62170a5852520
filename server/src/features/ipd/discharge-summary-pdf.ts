import type { FhirRequest } from '@medplum/fhir-router';
import type { Binary, Composition, Encounter, Organization, Patient } from '@medplum/fhirtypes';
import { binaryFilenames } from '../../http/fhir-handler.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { istDateTime } from '../lab/report-pdf.ts';
import { fail, localReference, stateConflict } from '../opd/fhir.ts';
import { openA4Document } from '../prescriptions/a4-document.ts';
import type { Style } from '../prescriptions/text.ts';
import { readNamed } from './beds.ts';
import { signedSummary } from './discharge-summary.ts';
import { nameText } from './encounter.ts';
import { DISCHARGE_DISPOSITION } from './model.ts';
import { contentOf, linesOf } from './summary-content.ts';

/**
 * The printed discharge summary (docs/ipd.md): `Encounter/{id}/$discharge-summary-pdf`, A4, the
 * signed Composition's text under English / Hindi headings, on the shared A4 document (its fonts
 * shape the Devanagari). A DAMA says so in both languages; a death gives its date and time.
 */

export interface SummaryView {
  hospital: string;
  patient: { name: string; uhid: string; ageSex: string };
  admitted: string;
  discharged: string;
  disposition?: string;
  /** Set for a death: "dd-mm-yyyy hh:mm". */
  deathAt?: string;
  dama: boolean;
  attending: string;
  sections: { heading: string; lines: string[] }[];
  signedBy: string;
  signedAt: string;
  amended: boolean;
}

/** dd-mm-yyyy hh:mm in India's time. */
export const istDmy = (value: string | undefined) => istDateTime(value).replaceAll('/', '-');

const DISPOSITION_TEXT: Record<string, string> = {
  home: 'Home / घर',
  'other-hcf': 'Another hospital / अन्य अस्पताल',
  aadvice: 'Left against medical advice (DAMA) / चिकित्सकीय सलाह के विरुद्ध छुट्टी (DAMA)',
  exp: 'Died / मृत्यु',
};

const HEADINGS: [keyof ReturnType<typeof contentOf>, string][] = [
  ['diagnoses', 'Diagnosis / निदान'],
  ['procedures', 'Procedures / प्रक्रियाएँ'],
  ['course', 'Course in hospital / अस्पताल में उपचार का क्रम'],
  ['medications', 'Medications on discharge / छुट्टी के समय दवाइयाँ'],
  ['advice', 'Advice / सलाह'],
];

function ageSex(p: Patient | undefined): string {
  const sex = { male: 'M', female: 'F', other: 'Other', unknown: '' }[p?.gender ?? 'unknown'] ?? '';
  if (!p?.birthDate) return sex;
  const years = Math.floor((Date.now() - Date.parse(p.birthDate)) / (365.25 * 86_400_000));
  return [`${years} y`, sex].filter(Boolean).join(' / ');
}

/** What the PDF prints: pure, from the resources. */
export function summaryView(
  composition: Composition,
  encounter: Encounter,
  patient: Patient | undefined,
  hospital: Organization | undefined,
): SummaryView {
  const content = contentOf(composition.section);
  const code = encounter.hospitalization?.dischargeDisposition?.coding?.find((c) => c.system === DISCHARGE_DISPOSITION)?.code;
  const sections = HEADINGS.map(([key, heading]) => ({ heading, lines: linesOf(content[key] as string) })).filter((s) => s.lines.length);
  if (content.followUp) sections.push({ heading: 'Follow-up / अगली जाँच', lines: [content.followUp.split('-').reverse().join('-')] });
  const attester = composition.attester?.find((a) => a.mode === 'legal');
  const attending = encounter.participant?.find((p) => p.type?.some((t) => t.coding?.some((c) => c.code === 'ATND')))?.individual?.display;
  return {
    hospital: hospital?.name ?? '',
    patient: {
      name: nameText(patient?.name) || encounter.subject?.display || '',
      uhid: patient?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? '',
      ageSex: ageSex(patient),
    },
    admitted: istDmy(encounter.period?.start),
    discharged: encounter.status === 'finished' ? istDmy(encounter.period?.end) : '',
    disposition: code ? (DISPOSITION_TEXT[code] ?? code) : undefined,
    deathAt: code === 'exp' ? istDmy(encounter.period?.end) : undefined,
    dama: code === 'aadvice',
    attending: attending ?? '',
    sections,
    signedBy: attester?.party?.display ?? '',
    signedAt: istDmy(attester?.time),
    amended: composition.status === 'amended',
  };
}

const S = {
  org: { size: 15, bold: true, color: '#0b5563' },
  title: { size: 13, bold: true },
  heading: { size: 10.5, bold: true, color: '#0b5563' },
  body: { size: 9.5 },
  bold: { size: 9.5, bold: true },
  alert: { size: 10, bold: true, color: '#b00020' },
  small: { size: 8.5, color: '#555555' },
} satisfies Record<string, Style>;

export async function renderSummaryPdf(view: SummaryView, now = new Date()): Promise<Buffer> {
  const { doc, ts, done } = openA4Document(`Discharge summary ${view.patient.name}`, now);
  const X = 36;
  const W = 595.28 - 72;
  const rule = (at: number) =>
    doc
      .moveTo(X, at)
      .lineTo(X + W, at)
      .lineWidth(0.6)
      .strokeColor('#c9d6d8')
      .stroke();
  let y = 36;
  const room = (h: number) => {
    if (y + h > 780) {
      doc.addPage();
      y = 36;
    }
  };
  y += ts.draw(view.hospital, X, y, S.org, W) + 2;
  rule(y);
  y += 6;
  y += ts.draw(`Discharge Summary / डिस्चार्ज सारांश${view.amended ? ' (amended / संशोधित)' : ''}`, X, y, S.title, W, 'center') + 6;
  const half = W / 2;
  const pair = (left: string, right: string) => {
    const h = Math.max(ts.height(left, S.body, half - 6), ts.height(right, S.body, half));
    ts.draw(left, X, y, S.body, half - 6);
    ts.draw(right, X + half, y, S.body, half);
    y += h + 2;
  };
  pair(`Patient / मरीज़: ${view.patient.name}`, `UHID: ${view.patient.uhid}`);
  pair(`Age / sex / आयु / लिंग: ${view.patient.ageSex}`, `Attending doctor / उपचार करने वाले डॉक्टर: ${view.attending}`);
  pair(`Admitted / भर्ती: ${view.admitted}`, `Discharged / छुट्टी: ${view.discharged}`);
  if (view.disposition) pair(`Discharged to / छुट्टी के बाद: ${view.disposition}`, '');
  y += 4;
  if (view.deathAt) {
    y += ts.draw(`Date and time of death / मृत्यु की तिथि और समय: ${view.deathAt}`, X, y, S.alert, W) + 4;
  }
  if (view.dama) {
    const text =
      'The patient left against medical advice (DAMA), having been told of the risks. / मरीज़ को जोखिम बताए जाने के बाद भी वे चिकित्सकीय सलाह के विरुद्ध अस्पताल छोड़कर गए (DAMA)।';
    y += ts.draw(text, X, y, S.alert, W) + 4;
  }
  rule(y);
  y += 6;
  for (const section of view.sections) {
    room(40);
    y += ts.draw(section.heading, X, y, S.heading, W) + 2;
    for (const line of section.lines) {
      const h = ts.height(line, S.body, W - 12);
      room(h);
      ts.draw('•', X, y, S.body, 10);
      y += ts.draw(line, X + 12, y, S.body, W - 12) + 1;
    }
    y += 6;
  }
  room(50);
  y += 10;
  y += ts.draw(`Signed by / हस्ताक्षर: ${view.signedBy}`, X, y, S.bold, W) + 2;
  ts.draw(`Signed on / दिनांक: ${view.signedAt}`, X, y, S.body, W);
  ts.draw(`Printed ${istDmy(now.toISOString())} by Hospital-Ops`, X, 800, S.small, W);
  doc.end();
  return done;
}

/** The signed summary of the stay as a PDF Binary; 409 before it is signed. Read through the caller's repository. */
export async function dischargeSummaryPdf(req: FhirRequest, repo: PostgresRepository) {
  const id = req.params.id;
  const { view, compositionId } = await repo.withTransaction(
    async (tx) => {
      const encounter = await readNamed<Encounter>(tx, 'Encounter', id, 'encounter');
      const composition = await signedSummary(tx, id);
      if (!composition) return fail(stateConflict('The discharge summary is not signed yet: a doctor signs it first', 'encounter'));
      const read = async <T extends Patient | Organization>(reference: string | undefined, type: T['resourceType']) => {
        const r = localReference(reference, tx.baseUrl);
        return r?.type === type ? await tx.readResource<T>(type, r.id).catch(() => undefined) : undefined;
      };
      const patient = await read<Patient>(encounter.subject?.reference, 'Patient');
      const hospital = await read<Organization>(encounter.serviceProvider?.reference, 'Organization');
      return { view: summaryView(composition, encounter, patient, hospital), compositionId: composition.id };
    },
    { resourceTypes: [] },
  );
  const pdf = await renderSummaryPdf(view);
  // Access to the PDF is access to the summary it prints.
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: 'application/pdf',
    securityContext: { reference: `Composition/${compositionId}` },
    data: pdf.toString('base64'),
  };
  binaryFilenames.set(binary, `discharge-summary-${id}.pdf`);
  return binary;
}
