import type { MedplumClient, WithId } from '@medplum/core';
import type {
  ActivityDefinition,
  Bundle,
  DiagnosticReport,
  Observation,
  ObservationDefinition,
  Parameters,
  Patient,
  ServiceRequest,
  Specimen,
} from '@medplum/fhirtypes';
import { analytesOf, type Catalogue, testFor } from '../../../../server/src/features/lab/catalogue-match.ts';
import { type Stage, stageOf } from '../../../../server/src/features/lab/stage.ts';
import { readTat } from '../lab/tat.ts';
import { patientIds, type WorklistRow, worklistRows } from '../lab/worklist.ts';

// The lab operations of the server (docs/lab.md), as the screens call them.

export const ACCESSION_SYSTEM = 'https://hospital-ops.in/fhir/sid/accession';

const ids = (refs: { reference?: string }[] | undefined, type: string) =>
  (refs ?? [])
    .map((r) => r.reference ?? '')
    .filter((r) => r.startsWith(`${type}/`))
    .map((r) => r.slice(type.length + 1));

/** Pages of the worklist read at most (500 orders each): a lab's open backlog, not its history. */
const WORKLIST_PAGES = 4;

export async function loadWorklist(medplum: MedplumClient): Promise<WorklistRow[]> {
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [] };
  let url: string | undefined = `${medplum.fhirUrl('ServiceRequest', '$lab-worklist').toString()}?_count=500`;
  for (let page = 0; url && page < WORKLIST_PAGES; page++) {
    const got = (await medplum.get(url, { cache: 'no-cache' })) as Bundle;
    bundle.entry?.push(...(got.entry ?? []));
    url = got.link?.find((l) => l.relation === 'next')?.url;
  }
  const wanted = patientIds(bundle);
  const patients = wanted.length
    ? await medplum.searchResources('Patient', { _id: wanted.join(','), _count: String(wanted.length) }, { cache: 'no-cache' })
    : [];
  return worklistRows(bundle, patients);
}

export async function loadCatalogue(medplum: MedplumClient): Promise<Catalogue> {
  const [tests, analytes] = await Promise.all([
    medplum.searchResources('ActivityDefinition', { status: 'active', _count: '1000' }),
    medplum.searchResources('ObservationDefinition', { _count: '1000' }),
  ]);
  return {
    tests: tests as WithId<ActivityDefinition>[],
    analytes: new Map(analytes.map((a) => [a.id as string, a as WithId<ObservationDefinition>])),
    specimens: new Map(),
  };
}

/** Everything one order's screen shows: the order, patient, samples, reports with their results, and its test. */
export interface OrderView {
  order: WithId<ServiceRequest>;
  patient?: Patient;
  specimens: Specimen[];
  /** The sample that stands (not rejected), if any. */
  sample?: Specimen;
  /** Orders sharing the sample (for its label). */
  sampleOrders: ServiceRequest[];
  report?: DiagnosticReport;
  observations: Observation[];
  stage: Stage;
  test?: WithId<ActivityDefinition>;
  analytes: WithId<ObservationDefinition>[];
}

export async function loadOrder(medplum: MedplumClient, id: string, catalogue: Catalogue): Promise<OrderView> {
  const order = await medplum.readResource('ServiceRequest', id, { cache: 'no-cache' });
  const specimenIds = ids(order.specimen, 'Specimen');
  const [patient, specimens, reports] = await Promise.all([
    order.subject?.reference?.startsWith('Patient/') ? medplum.readReference(order.subject as { reference: string }) : undefined,
    specimenIds.length ? medplum.searchResources('Specimen', { _id: specimenIds.join(',') }, { cache: 'no-cache' }) : [],
    medplum.searchResources('DiagnosticReport', { 'based-on': `ServiceRequest/${id}`, _sort: '-_lastUpdated' }, { cache: 'no-cache' }),
  ]);
  const live = reports.filter((r) => r.status !== 'cancelled' && r.status !== 'entered-in-error');
  const report = live[0];
  const sample = specimens.find((s) => s.status === 'available');
  const resultIds = ids(report?.result, 'Observation');
  const sampleOrderIds = ids(sample?.request, 'ServiceRequest');
  const [observations, sampleOrders] = await Promise.all([
    resultIds.length ? medplum.searchResources('Observation', { _id: resultIds.join(',') }, { cache: 'no-cache' }) : [],
    sampleOrderIds.length ? medplum.searchResources('ServiceRequest', { _id: sampleOrderIds.join(',') }, { cache: 'no-cache' }) : [order],
  ]);
  const test = testFor(catalogue, order.code);
  return {
    order,
    patient: patient as Patient | undefined,
    specimens,
    sample,
    sampleOrders,
    report,
    // In the report's order, which is the catalogue's.
    observations: resultIds.map((r) => observations.find((o) => o.id === r)).filter((o): o is WithId<Observation> => !!o),
    stage: stageOf(specimens, reports),
    test,
    analytes: test ? analytesOf(catalogue, test) : [],
  };
}

/** A sample or order found by what was scanned: the order to open. */
export async function orderForAccession(medplum: MedplumClient, accession: string): Promise<string | undefined> {
  const found = await medplum.searchResources('Specimen', { accession: `${ACCESSION_SYSTEM}|${accession}` }, { cache: 'no-cache' });
  return ids(found[0]?.request, 'ServiceRequest')[0];
}

const post = (medplum: MedplumClient, path: string, body: Parameters) => medplum.post(medplum.fhirUrl(...path.split('/')).toString(), body);
const ref = (reference: string) => ({ valueReference: { reference } });

export async function collect(medplum: MedplumClient, orderId: string, branch: string, collector?: string): Promise<Specimen[]> {
  const bundle = (await post(medplum, 'ServiceRequest/$collect', {
    resourceType: 'Parameters',
    parameter: [
      { name: 'request', ...ref(`ServiceRequest/${orderId}`) },
      { name: 'branch', ...ref(`Organization/${branch}`) },
      ...(collector?.startsWith('Practitioner/') ? [{ name: 'collector', ...ref(collector) }] : []),
    ],
  })) as Bundle<Specimen>;
  return (bundle.entry ?? []).map((e) => e.resource as Specimen);
}

export const receive = (medplum: MedplumClient, specimenId: string) =>
  post(medplum, `Specimen/${specimenId}/$receive`, { resourceType: 'Parameters' });

export const REJECT_REASONS = ['haemolysed', 'insufficient', 'clotted', 'contaminated', 'mislabelled'] as const;

export const reject = (medplum: MedplumClient, specimenId: string, reason: string, note: string) =>
  post(medplum, `Specimen/${specimenId}/$reject`, {
    resourceType: 'Parameters',
    parameter: [{ name: 'reason', valueCode: reason }, ...(note.trim() ? [{ name: 'note', valueString: note.trim() }] : [])],
  });

export const enterResults = (medplum: MedplumClient, orderId: string, params: Parameters) =>
  post(medplum, `ServiceRequest/${orderId}/$enter-results`, params);

export const verify = (medplum: MedplumClient, reportId: string) =>
  post(medplum, `DiagnosticReport/${reportId}/$verify`, { resourceType: 'Parameters' });

/** Turnaround times since a day (yyyy-mm-dd, India): ServiceRequest/$lab-tat. */
export async function loadTat(medplum: MedplumClient, since: string) {
  const url = `${medplum.fhirUrl('ServiceRequest', '$lab-tat').toString()}?since=${since}`;
  return readTat((await medplum.get(url, { cache: 'no-cache' })) as Parameters);
}

/** A correction after final (reason and the changed results): the report becomes amended, earlier versions kept. */
export const amend = (medplum: MedplumClient, reportId: string, params: Parameters) =>
  post(medplum, `DiagnosticReport/${reportId}/$amend`, params);

/** The report's PDF (server: features/lab/report-pdf.ts), saved as a file the browser opens or prints. */
export async function downloadReportPdf(medplum: MedplumClient, reportId: string, fileName: string): Promise<void> {
  const blob = await medplum.download(medplum.fhirUrl('DiagnosticReport', reportId, '$lab-report-pdf').toString(), { cache: 'no-cache' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
