import type { SearchRequest, WithId } from '@medplum/core';
import type { Communication, Flag, Observation, Practitioner, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { HOPS, INTERPRETATION } from './fhir.ts';

/**
 * Critical values reach the ordering doctor at once (docs/lab.md): for each result flagged HH or
 * LL, a Flag on the patient and a Communication to the order's requester, in the same
 * transaction as the result. Once per result: both carry the Observation's id as identifier,
 * so verifying, or amending another analyte, does not alert again.
 */

export const CRITICAL_ALERT_SYSTEM = `${HOPS}/sid/lab-critical-alert`;
const FLAG_CATEGORY = 'http://terminology.hl7.org/CodeSystem/flag-category';
const COMM_CATEGORY = 'http://terminology.hl7.org/CodeSystem/communication-category';
const TEXT: Record<string, string> = { HH: 'critical high', LL: 'critical low' };

export const criticalFlagOf = (o: Observation): 'HH' | 'LL' | undefined => {
  const code = o.interpretation?.[0]?.coding?.find((c) => c.system === INTERPRETATION)?.code;
  return code === 'HH' || code === 'LL' ? code : undefined;
};

/** "Critical result: Haemoglobin 6.4 g/dL (critical low), sample PUN2612060007". */
export function alertText(o: Observation, accession: string | undefined): string {
  const value =
    o.valueQuantity?.value !== undefined
      ? `${o.valueQuantity.value}${o.valueQuantity.unit ? ` ${o.valueQuantity.unit}` : ''}`
      : (o.valueString ?? '');
  const flag = criticalFlagOf(o);
  return [
    `Critical result: ${o.code.text ?? o.code.coding?.[0]?.display ?? ''} ${value}${flag ? ` (${TEXT[flag]})` : ''}`,
    accession && `sample ${accession}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** Writes the alerts for the critical results not alerted before; answers what it wrote. */
export async function alertCriticalResults(
  tx: PostgresRepository,
  order: WithId<ServiceRequest>,
  observations: WithId<Observation>[],
  accession: string | undefined,
  now: string,
): Promise<(WithId<Flag> | WithId<Communication>)[]> {
  const written: (WithId<Flag> | WithId<Communication>)[] = [];
  const who = tx.auditActor?.fhirUser;
  const sender: Reference<Practitioner> | undefined = who?.startsWith('Practitioner/') ? { reference: who } : undefined;
  for (const o of observations) {
    if (!criticalFlagOf(o)) continue;
    const identifier = [{ system: CRITICAL_ALERT_SYSTEM, value: o.id }];
    const before = await tx.searchResources<Flag>({
      resourceType: 'Flag',
      filters: [{ code: 'identifier', operator: 'eq', value: `${CRITICAL_ALERT_SYSTEM}|${o.id}` }],
      count: 1,
    } as SearchRequest<Flag>);
    if (before.length) continue;
    const text = alertText(o, accession);
    written.push(
      await tx.createResource<Flag>({
        resourceType: 'Flag',
        identifier,
        status: 'active',
        category: [{ coding: [{ system: FLAG_CATEGORY, code: 'lab', display: 'Lab' }] }],
        code: { coding: o.interpretation?.[0]?.coding, text },
        subject: o.subject as Flag['subject'],
        period: { start: now },
        ...(o.encounter ? { encounter: o.encounter } : {}),
        ...(sender ? { author: sender } : {}),
      }),
    );
    if (!order.requester) continue; // no one to tell but the patient's chart
    written.push(
      await tx.createResource<Communication>({
        resourceType: 'Communication',
        identifier,
        status: 'completed',
        category: [{ coding: [{ system: COMM_CATEGORY, code: 'alert', display: 'Alert' }] }],
        priority: 'stat',
        subject: o.subject as Communication['subject'],
        ...(o.encounter ? { encounter: o.encounter } : {}),
        basedOn: [{ reference: `ServiceRequest/${order.id}` }],
        about: [{ reference: `Observation/${o.id}` }],
        recipient: [order.requester],
        ...(sender ? { sender } : {}),
        sent: now,
        payload: [{ contentString: text }],
      }),
    );
  }
  return written;
}
