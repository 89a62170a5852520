import { allOk, getStatus, Hl7Message, OperationOutcomeError, type SearchRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Parameters, ParametersParameter, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { analytesOf, readTenantCatalogue, testFor } from './catalogue.ts';
import { ACCESSION_SYSTEM, bad, LOINC } from './fhir.ts';
import { Hl7Problem, parseOru } from './hl7.ts';
import { oneString, parametersOf } from './input.ts';
import { enterInTransaction, TX } from './results.ts';

/**
 * `POST Specimen/$analyser-result` (docs/lab.md): `message` (valueString) is an ORU^R01; the
 * sample is found by accession number in the caller's tenant, each OBX goes to the order (of
 * that sample) whose test has the analyte, and each order's results are entered as preliminary,
 * all in one transaction. The answer is always an HL7 ACK in `ack` (AA accepted; AE with the
 * reason in MSA-3 for a message that cannot be taken, and nothing written), plus the
 * OperationOutcome in `outcome` when refused, so middleware can relay the ACK as it is.
 */

function answer(ack: string, problem?: string): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'ack', valueString: ack },
      ...(problem
        ? [
            {
              name: 'outcome',
              resource: {
                resourceType: 'OperationOutcome' as const,
                issue: [{ severity: 'error' as const, code: 'processing' as const, details: { text: problem } }],
              },
            },
          ]
        : []),
    ],
  };
}

function errorAck(message: Hl7Message | undefined, text: string): Hl7Message {
  const fallback = Hl7Message.parse('MSH|^~\\&|||||||ORU^R01||P|2.5.1');
  const ack = (message ?? fallback).buildAck({ ackCode: 'AE' });
  // MSA-3: the reason, in the ACK itself (the analyser's screen shows it), with HL7's escapes.
  const escaped = text
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/[\r\n]/g, ' ');
  ack.getSegment('MSA')?.setField(3, escaped);
  return ack;
}

/** What became of one message: the ACK to send back, and the reason when refused. */
export interface OruOutcome {
  ack: string;
  problem?: string;
}

/** Takes one ORU^R01 (ER7 text) into the repository's tenant; never throws for a bad message. */
export async function receiveOru(repo: PostgresRepository, text: string): Promise<OruOutcome> {
  let parsed: ReturnType<typeof parseOru> | undefined;
  try {
    parsed = parseOru(text);
    const { oru } = parsed;
    await repo.withTransaction(
      async (tx) => {
        const [specimen] = await tx.searchResources<Specimen>({
          resourceType: 'Specimen',
          filters: [{ code: 'accession', operator: 'eq', value: `${ACCESSION_SYSTEM}|${oru.accession}` }],
          count: 2,
        } as SearchRequest<Specimen>);
        if (!specimen) throw new Hl7Problem(`No sample has accession number ${oru.accession}`);
        if (specimen.status !== 'available') throw new Hl7Problem(`Sample ${oru.accession} is ${specimen.status}`);
        const catalogue = await readTenantCatalogue(tx);
        const byOrder = new Map<string, ParametersParameter[]>();
        for (const r of oru.results) {
          let target: string | undefined;
          for (const ref of specimen.request ?? []) {
            const orderId = (ref.reference ?? '').replace(/^ServiceRequest\//, '');
            const order = await tx.readResource<ServiceRequest>('ServiceRequest', orderId);
            const test = testFor(catalogue, order.code);
            const has =
              test && analytesOf(catalogue, test).some((a) => a.code.coding?.some((c) => c.system === LOINC && c.code === r.code));
            if (has) target = orderId;
          }
          if (!target) throw new Hl7Problem(`${r.code} is not an analyte of any test ordered on sample ${oru.accession}`);
          // NM values go in as text too: result entry takes a numeric string for a quantity and refuses anything else.
          const part = [
            { name: 'code', valueCode: r.code },
            { name: 'value', valueString: r.value },
          ];
          byOrder.set(target, [...(byOrder.get(target) ?? []), { name: 'result', part }]);
        }
        for (const [orderId, params] of byOrder) await enterInTransaction(tx, orderId, params);
      },
      { resourceTypes: [...TX.resourceTypes, 'ServiceRequest', 'Specimen'] },
    );
    return { ack: parsed.message.buildAck({ ackCode: 'AA' }).toString() };
  } catch (err) {
    if (err instanceof Hl7Problem) return { ack: errorAck(parsed?.message ?? err.message_, err.message).toString(), problem: err.message };
    if (err instanceof OperationOutcomeError && getStatus(err.outcome) < 500 && getStatus(err.outcome) !== 403) {
      const why = err.outcome.issue?.[0]?.details?.text ?? 'The results cannot be entered';
      return { ack: errorAck(parsed?.message, why).toString(), problem: why };
    }
    throw err;
  }
}

async function analyserResult(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const text = oneString(parametersOf(req.body), 'message');
  if (!text) bad('Give the HL7 v2 message as message (valueString)', 'message');
  const { ack, problem } = await receiveOru(repo, text as string);
  return [allOk, answer(ack, problem)];
}

export const analyserResultHandler = (req: FhirRequest, repo: unknown) => analyserResult(req, repo as PostgresRepository);
