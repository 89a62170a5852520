import type { DiagnosticReport, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { durationMinutes, median, stageTimes, type TatOrder, tatSummary } from '../../src/features/lab/tat.ts';

const H = 'https://hospital-ops.in/fhir/StructureDefinition';
const at = (hhmm: string) => `2026-12-06T${hhmm}:00+05:30`;
const cbc = (orderId: string, times: TatOrder['times']): TatOrder => ({
  orderId,
  testKey: 'cbc',
  testName: 'Complete blood count',
  targetMinutes: 240,
  priority: 'routine',
  accession: `PUN261206000${orderId.slice(-1)}`,
  times,
});

describe('turnaround times', () => {
  it('reads each stage from the order, the sample’s marks and the report’s marks, falling back to issued', () => {
    const order: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: {},
      authoredOn: at('08:00'),
    };
    const rejected: Specimen = { resourceType: 'Specimen', status: 'unsatisfactory', collection: { collectedDateTime: at('07:00') } };
    const sample: Specimen = {
      resourceType: 'Specimen',
      status: 'available',
      collection: { collectedDateTime: at('08:20') },
      receivedTime: at('08:20'), // $collect's copy for ABDM: not the lab's receipt
      extension: [{ url: `${H}/lab-received`, valueDateTime: at('08:50') }],
    };
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: {},
      issued: at('11:00'),
      extension: [
        { url: `${H}/lab-entered-at`, valueDateTime: at('09:40') },
        { url: `${H}/lab-verified-at`, valueDateTime: at('10:10') },
      ],
    };
    expect(stageTimes(order, [rejected, sample], [report])).toEqual({
      ordered: at('08:00'),
      collected: at('08:20'),
      received: at('08:50'),
      resulted: at('09:40'),
      verified: at('10:10'),
    });
    // A report from before the marks: a preliminary one's issued is its entry, a final one's its verification.
    expect(stageTimes(order, [sample], [{ ...report, extension: [], status: 'preliminary' }]).resulted).toBe(at('11:00'));
    expect(stageTimes(order, [sample], [{ ...report, extension: [] }])).toMatchObject({ verified: at('11:00') });
    expect(stageTimes(order, [sample], [{ ...report, extension: [] }]).resulted).toBeUndefined();
    // Only a rejected sample: not collected.
    expect(stageTimes(order, [rejected], [])).toEqual({ ordered: at('08:00') });
  });

  it('gives each step’s median per test and the samples over target, worst first (hand-computed)', () => {
    const orders = [
      // 20, 30, 50, 30 minutes; 110 from collection to verification.
      cbc('o1', { ordered: at('08:00'), collected: at('08:20'), received: at('08:50'), resulted: at('09:40'), verified: at('10:10') }),
      // 10, 20, 210, 30; 260 > 240: over target, verified.
      cbc('o2', { ordered: at('09:00'), collected: at('09:10'), received: at('09:30'), resulted: at('13:00'), verified: at('13:30') }),
      // 30 to collection; at 15:00 open for 270 minutes: over target, not verified.
      cbc('o3', { ordered: at('10:00'), collected: at('10:30') }),
      { orderId: 'o4', testKey: 'lft', testName: 'Liver function test', targetMinutes: 360, times: { ordered: at('08:00') } },
    ];
    const { tests, breaches } = tatSummary(orders, new Date(at('15:00')));
    expect(tests.map((t) => [t.name, t.orders])).toEqual([
      ['Complete blood count', 3],
      ['Liver function test', 1],
    ]);
    expect(tests[0].steps).toEqual([
      { from: 'ordered', to: 'collected', median: 20, count: 3 },
      { from: 'collected', to: 'received', median: 25, count: 2 },
      { from: 'received', to: 'resulted', median: 130, count: 2 },
      { from: 'resulted', to: 'verified', median: 30, count: 2 },
    ]);
    expect(tests[0].total).toEqual({ from: 'collected', to: 'verified', median: 185, count: 2 });
    expect(tests[1].steps.every((s) => s.count === 0 && s.median === undefined)).toBe(true);
    expect(breaches).toEqual([
      {
        orderId: 'o3',
        test: 'Complete blood count',
        accession: 'PUN2612060003',
        priority: 'routine',
        elapsed: 270,
        targetMinutes: 240,
        verified: false,
      },
      {
        orderId: 'o2',
        test: 'Complete blood count',
        accession: 'PUN2612060002',
        priority: 'routine',
        elapsed: 260,
        targetMinutes: 240,
        verified: true,
      },
    ]);
  });

  it('reads the catalogue’s target in h, min or d, and takes medians', () => {
    expect(durationMinutes({ value: 4, code: 'h' })).toBe(240);
    expect(durationMinutes({ value: 90, code: 'min' })).toBe(90);
    expect(durationMinutes({ value: 1, unit: 'd' })).toBe(1440);
    expect(durationMinutes({ value: 1, code: 'wk' })).toBeUndefined();
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
