import type { WithId } from '@medplum/core';
import type { DiagnosticReport, Observation, Organization, Patient, Practitioner, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { localReference } from '../opd/fhir.ts';
import { openA4Document } from '../prescriptions/a4-document.ts';
import type { Style } from '../prescriptions/text.ts';
import { INTERPRETATION, VERIFIED_AT_URL } from './fhir.ts';

/**
 * The printable lab report (docs/lab.md): `DiagnosticReport/{id}/$lab-report-pdf`, A4, English
 * with Hindi headings: the lab's letterhead (the branch that accessioned the sample), the patient,
 * the sample (accession number, collected, received), one row per result with unit, the range
 * copied for this patient and the flag (flagged values in bold, critical ones in red), the
 * report's status, and "not verified" across a preliminary report.
 */

export interface ReportRow {
  name: string;
  value: string;
  unit: string;
  range: string;
  flag: string;
  critical: boolean;
}

export interface ReportView {
  lab: { name: string; address: string; phone: string };
  patient: { name: string; uhid: string; ageSex: string };
  test: string;
  accession: string;
  collected: string;
  received: string;
  issued: string;
  status: string;
  verified: boolean;
  rows: ReportRow[];
  conclusion?: string;
  /** "Verified by Dr Asha Rao, MD (Pathology) on 06/12/2026 11:00 IST"; empty until verified. */
  verifiedBy: string;
}

const FLAG_TEXT: Record<string, string> = { H: 'High', L: 'Low', HH: 'Critical high', LL: 'Critical low' };
const STATUS_TEXT: Record<string, string> = {
  preliminary: 'Preliminary, not verified / प्रारंभिक, सत्यापित नहीं',
  final: 'Final / अंतिम',
  amended: 'Amended / संशोधित',
  corrected: 'Corrected / सुधारी गई',
};

/** "06/12/2026 08:15" in India's time. */
export function istDateTime(value: string | undefined): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Kolkata',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

function ageSex(p: Patient | undefined, at: string | undefined): string {
  const sex = { male: 'M', female: 'F', other: 'Other', unknown: '' }[p?.gender ?? 'unknown'] ?? '';
  if (!p?.birthDate) return sex;
  const born = new Date(p.birthDate);
  const then = at ? new Date(at) : new Date();
  let years = then.getUTCFullYear() - born.getUTCFullYear();
  if (then.getUTCMonth() < born.getUTCMonth() || (then.getUTCMonth() === born.getUTCMonth() && then.getUTCDate() < born.getUTCDate()))
    years--;
  return [`${years} y`, sex].filter(Boolean).join(' / ');
}

/** The copied range's text ends with the unit, which has a column of its own. */
const withoutUnit = (range: string, unit: string | undefined) =>
  unit && range.endsWith(` ${unit}`) ? range.slice(0, -unit.length - 1) : range;

export function reportRow(o: Observation): ReportRow {
  const flag = o.interpretation?.[0]?.coding?.find((c) => c.system === INTERPRETATION)?.code ?? '';
  const value =
    o.valueQuantity?.value !== undefined ? String(o.valueQuantity.value) : (o.valueString ?? o.valueCodeableConcept?.text ?? '');
  return {
    name: o.code?.text ?? o.code?.coding?.[0]?.display ?? '',
    value,
    unit: o.valueQuantity?.unit ?? '',
    range: withoutUnit(o.referenceRange?.[0]?.text ?? '', o.valueQuantity?.unit),
    flag: flag === 'N' ? '' : (FLAG_TEXT[flag] ?? flag),
    critical: flag === 'HH' || flag === 'LL',
  };
}

/** "Dr Asha Rao, MBBS, MD (Pathology)": the name as written, then each qualification's text. */
export function practitionerLine(p: Practitioner | undefined): string {
  const n = p?.name?.[0];
  const name = n?.text ?? [n?.prefix?.join(' '), n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
  const quals = (p?.qualification ?? []).map((q) => q.code?.text ?? q.code?.coding?.[0]?.display).filter(Boolean);
  return [name, ...quals].filter(Boolean).join(', ');
}

/** Who verified and when (IST), as the report's foot says it; the verified-at mark, else the report's issue time. */
export function verifiedLine(report: DiagnosticReport, verifier: Practitioner | undefined): string {
  if (!['final', 'amended', 'corrected'].includes(report.status)) return '';
  const at = report.extension?.find((e) => e.url === VERIFIED_AT_URL)?.valueDateTime ?? report.issued;
  const who = practitionerLine(verifier);
  return [`Verified${who ? ` by ${who}` : ''}`, at ? `on ${istDateTime(at)} IST` : ''].filter(Boolean).join(' ');
}

/** What the report prints, from the resources: pure, so it is tested without a PDF reader. */
export function reportView(
  report: DiagnosticReport,
  observations: Observation[],
  patient: Patient | undefined,
  specimen: Specimen | undefined,
  lab: Organization | undefined,
  order: ServiceRequest | undefined,
  verifier?: Practitioner,
): ReportView {
  const address = lab?.address?.[0];
  const name = patient?.name?.[0];
  return {
    lab: {
      name: lab?.name ?? '',
      address: [address?.line?.join(', '), address?.city, address?.state, address?.postalCode].filter(Boolean).join(', '),
      phone: lab?.telecom?.find((t) => t.system === 'phone')?.value ?? '',
    },
    patient: {
      name: name?.text ?? [name?.given?.join(' '), name?.family].filter(Boolean).join(' '),
      uhid: patient?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? '',
      ageSex: ageSex(patient, specimen?.collection?.collectedDateTime),
    },
    test: order?.code?.text ?? report.code?.text ?? report.code?.coding?.[0]?.display ?? '',
    accession: specimen?.accessionIdentifier?.value ?? '',
    collected: istDateTime(specimen?.collection?.collectedDateTime),
    received: istDateTime(specimen?.receivedTime),
    issued: istDateTime(report.issued),
    status: STATUS_TEXT[report.status] ?? report.status,
    verified: ['final', 'amended', 'corrected'].includes(report.status),
    rows: observations.map(reportRow),
    conclusion: report.conclusion,
    verifiedBy: verifiedLine(report, verifier),
  };
}

const S = {
  org: { size: 15, bold: true, color: '#0b5563' },
  small: { size: 8.5, color: '#555555' },
  body: { size: 9.5 },
  bold: { size: 9.5, bold: true },
  critical: { size: 9.5, bold: true, color: '#b00020' },
  title: { size: 12, bold: true },
} satisfies Record<string, Style>;

export async function renderReportPdf(view: ReportView, now = new Date()): Promise<Buffer> {
  const { doc, ts, done } = openA4Document(`Lab report ${view.accession}`, now);
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
  y += ts.draw(view.lab.name, X, y, S.org, W);
  y += ts.draw([view.lab.address, view.lab.phone && `Phone ${view.lab.phone}`].filter(Boolean).join(' · '), X, y, S.small, W);
  y += ts.draw('Department of Laboratory Medicine / प्रयोगशाला विभाग', X, y, S.small, W) + 4;
  rule(y);
  y += 6;
  y += ts.draw('Laboratory Report / जाँच रिपोर्ट', X, y, S.title, W, 'center') + 4;
  const half = W / 2;
  const pair = (left: string, right: string) => {
    const h = Math.max(ts.height(left, S.body, half - 6), ts.height(right, S.body, half));
    ts.draw(left, X, y, S.body, half - 6);
    ts.draw(right, X + half, y, S.body, half);
    y += h + 2;
  };
  pair(`Patient / मरीज़: ${view.patient.name}`, `UHID: ${view.patient.uhid}`);
  pair(`Age / sex / आयु / लिंग: ${view.patient.ageSex}`, `Sample no. / सैंपल नं.: ${view.accession}`);
  pair(`Collected / सैंपल लिया: ${view.collected}`, `Received / लैब में मिला: ${view.received}`);
  pair(`Test / जाँच: ${view.test}`, `Reported / रिपोर्ट: ${view.issued}`);
  y += 6;
  const cols = [170, 80, 80, 110, 83];
  const xs = cols.map((_, i) => X + cols.slice(0, i).reduce((a, b) => a + b, 0));
  const row = (cells: string[], styles: Style[]) => {
    const h = Math.max(...cells.map((c, i) => ts.height(c, styles[i], cols[i] - 6)));
    cells.forEach((c, i) => {
      ts.draw(c, xs[i], y, styles[i], cols[i] - 6);
    });
    y += h + 4;
  };
  row(['Test / जाँच', 'Result / नतीजा', 'Unit / इकाई', 'Reference range / सामान्य सीमा', 'Flag / संकेत'], Array(5).fill(S.bold));
  rule(y);
  y += 4;
  for (const r of view.rows) {
    if (y > 740) {
      doc.addPage();
      y = 36;
    }
    const valueStyle = r.critical ? S.critical : r.flag ? S.bold : S.body;
    row([r.name, r.value, r.unit, r.range, r.flag], [S.body, valueStyle, S.body, S.body, r.critical ? S.critical : S.body]);
  }
  rule(y);
  y += 8;
  if (view.conclusion) y += ts.draw(`Note / टिप्पणी: ${view.conclusion}`, X, y, S.body, W) + 4;
  y += ts.draw(`Status / स्थिति: ${view.status}`, X, y, S.bold, W) + 4;
  if (view.verifiedBy) y += ts.draw(`सत्यापित / ${view.verifiedBy}`, X, y, S.bold, W) + 4;
  y += ts.draw(
    'Reference ranges are for the patient’s sex and age on the day of collection. Results are to be read with the clinical picture.',
    X,
    y,
    S.small,
    W,
  );
  if (!view.verified) {
    // Across the page: a preliminary report must not pass for a final one.
    doc.save();
    doc.rotate(-30, { origin: [297, 420] });
    ts.draw('NOT VERIFIED', 97, 400, { size: 48, bold: true, color: '#e0a0a0' }, 400, 'center');
    doc.restore();
  }
  ts.draw(`Printed ${istDateTime(now.toISOString())} by Hospital-Ops`, X, 800, S.small, W);
  doc.end();
  return done;
}

/** Reads what the report prints through the caller's repository (another tenant's report is not found). */
export async function labReportPdf(repo: PostgresRepository, id: string): Promise<Buffer> {
  const view = await repo.withTransaction(
    async (tx) => {
      const base = tx.baseUrl;
      const report = await tx.readResource<DiagnosticReport>('DiagnosticReport', id);
      const read = async <T extends Patient | Specimen | Organization | ServiceRequest | Observation | Practitioner>(
        reference: string | undefined,
        type: T['resourceType'],
      ): Promise<WithId<T> | undefined> => {
        const r = localReference(reference, base);
        return r?.type === type ? await tx.readResource<T>(type, r.id).catch(() => undefined) : undefined;
      };
      const observations: Observation[] = [];
      for (const r of report.result ?? []) {
        const o = await read<Observation>(r.reference, 'Observation');
        if (o) observations.push(o);
      }
      const specimen = await read<Specimen>(report.specimen?.[0]?.reference ?? observations[0]?.specimen?.reference, 'Specimen');
      const [patient, lab, order, verifier] = await Promise.all([
        read<Patient>(report.subject?.reference, 'Patient'),
        read<Organization>(specimen?.accessionIdentifier?.assigner?.reference, 'Organization'),
        read<ServiceRequest>(report.basedOn?.[0]?.reference, 'ServiceRequest'),
        read<Practitioner>(report.resultsInterpreter?.[0]?.reference, 'Practitioner'),
      ]);
      return reportView(report, observations, patient, specimen, lab, order, verifier);
    },
    { resourceTypes: [] },
  );
  return renderReportPdf(view);
}
