import type { Bundle, DiagnosticReport, Patient, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import { ACCESSION_URL, DEPARTMENT_URL, STAGE_URL, type Stage } from '../../../../server/src/features/lab/stage.ts';

/** The screens of the worklist: what a technician does next to an order. */
export const SCREENS = ['collect', 'receive', 'enter', 'verify', 'done'] as const;
export type Screen = (typeof SCREENS)[number];

/** The server's stage of an order (docs/lab.md) to the screen it waits on. */
export const SCREEN_OF: Record<Stage, Screen> = {
  ordered: 'collect',
  collected: 'receive',
  received: 'enter',
  'in-progress': 'enter',
  resulted: 'verify',
  verified: 'done',
};

export const PRIORITIES = ['stat', 'asap', 'urgent', 'routine'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface WorklistRow {
  order: ServiceRequest;
  stage: Stage;
  screen: Screen;
  priority: Priority;
  /** The catalogue department's code (haematology...) and name, when the test is in the catalogue. */
  department?: { code: string; name: string };
  /** Accession numbers of the samples that stand (not rejected). */
  accessions: string[];
  specimens: Specimen[];
  reports: DiagnosticReport[];
  patient?: Patient;
}

const refId = (reference: string | undefined, type: string) =>
  reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1) : undefined;

/** Rows from `$lab-worklist`'s Bundle (matches with stage extensions, samples and reports included) and the patients. */
export function worklistRows(bundle: Bundle, patients: Patient[] = []): WorklistRow[] {
  const entries = bundle.entry ?? [];
  const included = entries.filter((e) => e.search?.mode === 'include').map((e) => e.resource);
  const specimens = new Map(included.filter((r): r is Specimen => r?.resourceType === 'Specimen').map((s) => [s.id, s]));
  const reports = included.filter((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport');
  const byId = new Map(patients.map((p) => [p.id, p]));
  return entries
    .filter((e) => e.search?.mode !== 'include' && e.resource?.resourceType === 'ServiceRequest')
    .map((e) => {
      const order = e.resource as ServiceRequest;
      const ext = e.extension ?? [];
      const stage = (ext.find((x) => x.url === STAGE_URL)?.valueCode ?? 'ordered') as Stage;
      const dept = ext.find((x) => x.url === DEPARTMENT_URL)?.valueCoding;
      return {
        order,
        stage,
        screen: SCREEN_OF[stage],
        priority: (order.priority ?? 'routine') as Priority,
        department: dept?.code ? { code: dept.code, name: dept.display ?? dept.code } : undefined,
        accessions: ext.filter((x) => x.url === ACCESSION_URL && x.valueString).map((x) => x.valueString as string),
        specimens: (order.specimen ?? []).map((r) => specimens.get(refId(r.reference, 'Specimen'))).filter((s): s is Specimen => !!s),
        reports: reports.filter((r) => r.basedOn?.some((b) => b.reference === `ServiceRequest/${order.id}`)),
        patient: byId.get(refId(order.subject?.reference, 'Patient')),
      };
    });
}

/** The patients a worklist needs, as one `_id` search value. */
export function patientIds(bundle: Bundle): string[] {
  const ids = (bundle.entry ?? [])
    .filter((e) => e.search?.mode !== 'include' && e.resource?.resourceType === 'ServiceRequest')
    .map((e) => refId((e.resource as ServiceRequest).subject?.reference, 'Patient'))
    .filter((id): id is string => !!id);
  return [...new Set(ids)];
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);

/** STAT first, then ASAP, urgent, routine; within a priority the oldest order first (it has waited longest). */
export function byPriority(rows: WorklistRow[]): WorklistRow[] {
  return [...rows].sort(
    (a, b) => rank(a.priority) - rank(b.priority) || (a.order.authoredOn ?? '').localeCompare(b.order.authoredOn ?? ''),
  );
}

export interface Filters {
  screen: Screen;
  /** Empty: every priority. */
  priority?: Priority;
  department?: string;
}

export function filterRows(rows: WorklistRow[], f: Filters): WorklistRow[] {
  return byPriority(
    rows.filter(
      (r) => r.screen === f.screen && (!f.priority || r.priority === f.priority) && (!f.department || r.department?.code === f.department),
    ),
  );
}

/** How many orders wait on each screen (the tab badges), within the priority and department filters. */
export function countsByScreen(rows: WorklistRow[], f: Omit<Filters, 'screen'>): Record<Screen, number> {
  const counts = Object.fromEntries(SCREENS.map((s) => [s, 0])) as Record<Screen, number>;
  for (const r of rows)
    if ((!f.priority || r.priority === f.priority) && (!f.department || r.department?.code === f.department)) counts[r.screen]++;
  return counts;
}

/** Departments present in the worklist, for the filter, by name. */
export function departments(rows: WorklistRow[]): { code: string; name: string }[] {
  const seen = new Map(rows.filter((r) => r.department).map((r) => [r.department?.code, r.department as { code: string; name: string }]));
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * What a scan names. Barcode scanners type the code and Enter; people type it with stray spaces or
 * in lower case. An accession number (PUN2612060007) names a sample; anything else is taken as an
 * order's id (the order barcode), or an order's own identifier.
 */
export type ScanTarget = { kind: 'accession'; value: string } | { kind: 'order'; value: string };

const ACCESSION = /^[A-Z0-9]{2,6}\d{10}$/;

export function readScan(raw: string): ScanTarget | undefined {
  const text = raw.trim().replace(/\s+/g, '');
  if (!text) return undefined;
  const upper = text.toUpperCase();
  if (ACCESSION.test(upper)) return { kind: 'accession', value: upper };
  // Order barcodes carry the id, sometimes with the type in front.
  return { kind: 'order', value: text.replace(/^ServiceRequest\//i, '') };
}

/** The worklist row a scan names, when it is on the worklist. */
export function findScanned(rows: WorklistRow[], target: ScanTarget): WorklistRow | undefined {
  if (target.kind === 'accession') return rows.find((r) => r.accessions.includes(target.value));
  return rows.find((r) => r.order.id === target.value || r.order.identifier?.some((i) => i.value === target.value));
}
