import type { Bundle, BundleEntry, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { countsByScreen, departments, filterRows, findScanned, readScan, worklistRows } from './worklist.ts';

const HOPS = 'https://hospital-ops.in/fhir/StructureDefinition';

function match(id: string, stage: string, priority: string, authoredOn: string, dept?: string, accession?: string): BundleEntry {
  const order: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id,
    status: 'active',
    intent: 'order',
    priority: priority as ServiceRequest['priority'],
    authoredOn,
    subject: { reference: 'Patient/p1' },
    code: { text: id },
    ...(accession ? { specimen: [{ reference: `Specimen/s-${id}` }] } : {}),
  };
  return {
    resource: order,
    search: { mode: 'match' },
    extension: [
      { url: `${HOPS}/lab-worklist-stage`, valueCode: stage },
      ...(dept
        ? [
            {
              url: `${HOPS}/lab-worklist-department`,
              valueCoding: { code: dept, display: dept === 'haematology' ? 'Haematology' : 'Biochemistry' },
            },
          ]
        : []),
      ...(accession ? [{ url: `${HOPS}/lab-worklist-accession`, valueString: accession }] : []),
    ],
  };
}

const patient: Patient = { resourceType: 'Patient', id: 'p1', name: [{ text: 'Ravi Kulkarni' }] };
const bundle: Bundle = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [
    match('routine-old', 'ordered', 'routine', '2026-12-06T08:00:00+05:30', 'biochemistry'),
    match('stat-new', 'ordered', 'stat', '2026-12-06T09:30:00+05:30', 'haematology'),
    match('urgent', 'ordered', 'urgent', '2026-12-06T07:00:00+05:30', 'haematology'),
    match('stat-old', 'ordered', 'stat', '2026-12-06T09:00:00+05:30', 'biochemistry'),
    match('drawn', 'collected', 'routine', '2026-12-06T07:30:00+05:30', 'haematology', 'PUN2612060007'),
    match('in-lab', 'in-progress', 'routine', '2026-12-06T07:30:00+05:30', 'haematology', 'PUN2612060008'),
    match('entered', 'resulted', 'routine', '2026-12-06T07:30:00+05:30', 'haematology', 'PUN2612060009'),
    {
      resource: { resourceType: 'Specimen', id: 's-drawn', status: 'available', accessionIdentifier: { value: 'PUN2612060007' } },
      search: { mode: 'include' },
    },
  ],
};

describe('the worklist', () => {
  const rows = worklistRows(bundle, [patient]);

  it('puts STAT first, then urgent, then routine, the longest waiting first within each', () => {
    expect(filterRows(rows, { screen: 'collect' }).map((r) => r.order.id)).toEqual(['stat-old', 'stat-new', 'urgent', 'routine-old']);
  });

  it('sorts orders onto screens by stage: in progress waits on entry like received', () => {
    expect(countsByScreen(rows, {})).toEqual({ collect: 4, receive: 1, enter: 1, verify: 1, done: 0 });
    expect(filterRows(rows, { screen: 'enter' }).map((r) => r.order.id)).toEqual(['in-lab']);
  });

  it('filters by priority and department, and lists the departments present', () => {
    expect(filterRows(rows, { screen: 'collect', priority: 'stat', department: 'haematology' }).map((r) => r.order.id)).toEqual([
      'stat-new',
    ]);
    expect(countsByScreen(rows, { department: 'biochemistry' })).toEqual({ collect: 2, receive: 0, enter: 0, verify: 0, done: 0 });
    expect(departments(rows)).toEqual([
      { code: 'biochemistry', name: 'Biochemistry' },
      { code: 'haematology', name: 'Haematology' },
    ]);
  });

  it('joins the patient and the samples to each order', () => {
    const drawn = rows.find((r) => r.order.id === 'drawn');
    expect(drawn?.patient?.name?.[0].text).toBe('Ravi Kulkarni');
    expect(drawn?.specimens.map((s) => s.id)).toEqual(['s-drawn']);
    expect(drawn?.accessions).toEqual(['PUN2612060007']);
  });
});

describe('the scan box', () => {
  const rows = worklistRows(bundle, [patient]);

  it('reads an accession number however it was typed, and anything else as an order', () => {
    expect(readScan(' pun2612060007 ')).toEqual({ kind: 'accession', value: 'PUN2612060007' });
    expect(readScan('9F3A 2612060007')).toEqual({ kind: 'accession', value: '9F3A2612060007' });
    expect(readScan('ServiceRequest/0b6e7c1e-4a7f-4c55-9f1c-3d1b2a6f9e10')).toEqual({
      kind: 'order',
      value: '0b6e7c1e-4a7f-4c55-9f1c-3d1b2a6f9e10',
    });
    expect(readScan('   ')).toBeUndefined();
  });

  it('finds the order a scanned sample or order barcode names', () => {
    expect(findScanned(rows, { kind: 'accession', value: 'PUN2612060007' })?.order.id).toBe('drawn');
    expect(findScanned(rows, { kind: 'order', value: 'stat-new' })?.order.id).toBe('stat-new');
    expect(findScanned(rows, { kind: 'accession', value: 'PUN2612069999' })).toBeUndefined();
  });
});
