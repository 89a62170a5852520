import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { CodeableConcept, CodeSystem, Coding, Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { implicitValueSet } from '../../terminology/implicit.ts';
import { type CodeCheck, TerminologyService } from '../../terminology/service.ts';
import { TerminologyStore } from '../../terminology/store.ts';
import { conformance } from '../../validation/conformance.ts';

/**
 * The terminology operations, type and instance level: ValueSet $expand and $validate-code,
 * CodeSystem $lookup, $validate-code and $subsumes. Inputs come from the query string (GET) or a
 * Parameters body (POST). Value sets and code systems resolve first from the tenant's own store
 * (a hospital may define its own), then from the platform's (FHIR core, the profile packages).
 */

type Inputs = Map<string, ParametersParameter>;

function inputs(req: FhirRequest): Inputs {
  const map: Inputs = new Map();
  for (const [name, raw] of Object.entries(req.query)) {
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (typeof value === 'string') map.set(name, { name, valueString: value });
  }
  const body = req.body as Parameters | undefined;
  if (req.method === 'POST' && body && typeof body === 'object' && Object.keys(body).length > 0) {
    if (body.resourceType !== 'Parameters') throw new OperationOutcomeError(badRequest('The body must be a Parameters resource'));
    for (const p of body.parameter ?? []) if (p.name) map.set(p.name, p);
  }
  return map;
}

function text(input: Inputs, name: string): string | undefined {
  const p = input.get(name);
  if (!p) return undefined;
  const v =
    p.valueString ??
    p.valueUri ??
    p.valueCode ??
    p.valueCanonical ??
    p.valueUrl ??
    (p.valueInteger !== undefined ? String(p.valueInteger) : undefined);
  return v;
}

function int(input: Inputs, name: string): number | undefined {
  const v = text(input, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new OperationOutcomeError(badRequest(`${name} must be a non-negative integer`, name));
  return Number(v);
}

function service(repo: PostgresRepository): TerminologyService {
  return new TerminologyService(conformance().terminology, new TerminologyStore(repo.database));
}

async function storedByUrl<T extends ValueSet | CodeSystem>(
  repo: PostgresRepository,
  type: T['resourceType'],
  url: string,
): Promise<T | undefined> {
  const bare = url.split('|')[0] as string;
  const found = await repo.searchResources<T>({ resourceType: type, filters: [{ code: 'url', operator: 'eq', value: bare }], count: 1 });
  return found[0];
}

async function storedById<T extends ValueSet | CodeSystem>(
  repo: PostgresRepository,
  type: T['resourceType'],
  id: string,
): Promise<T | undefined> {
  try {
    return await repo.readResource<T>(type, id);
  } catch (err) {
    if (err instanceof OperationOutcomeError && err.outcome.id === 'not-found') return undefined;
    throw err;
  }
}

function notFound(text: string): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    id: 'not-found',
    issue: [{ severity: 'error', code: 'not-found', details: { text } }],
  });
}

/** The value set an operation is about: instance id, `url`, or an inline `valueSet`. */
async function targetValueSet(req: FhirRequest, repo: PostgresRepository, input: Inputs): Promise<ValueSet> {
  const registry = conformance().terminology;
  if (req.params.id) {
    const vs = (await storedById<ValueSet>(repo, 'ValueSet', req.params.id)) ?? registry.allValueSets().find((v) => v.id === req.params.id);
    if (!vs) throw notFound(`Unknown ValueSet/${req.params.id}`);
    return vs;
  }
  const inline = input.get('valueSet')?.resource;
  if (inline) {
    if (inline.resourceType !== 'ValueSet') throw new OperationOutcomeError(badRequest('valueSet must be a ValueSet', 'valueSet'));
    return inline;
  }
  const url = text(input, 'url');
  if (!url) throw new OperationOutcomeError(badRequest('Give the value set: an instance id, url or valueSet', 'url'));
  const vs = registry.valueSet(url) ?? implicitValueSet(url) ?? (await storedByUrl<ValueSet>(repo, 'ValueSet', url));
  if (!vs) throw notFound(`Unknown value set ${url}`);
  return vs;
}

/** The code system an instance-level CodeSystem operation is about, as its canonical url. */
async function codeSystemUrl(req: FhirRequest, repo: PostgresRepository, input: Inputs, param: string): Promise<string | undefined> {
  if (!req.params.id) return text(input, param);
  const stored = await storedById<CodeSystem>(repo, 'CodeSystem', req.params.id);
  const url =
    stored?.url ??
    conformance()
      .terminology.allCodeSystems()
      .find((cs) => cs.resource.id === req.params.id)?.url;
  if (!url) throw notFound(`Unknown CodeSystem/${req.params.id}`);
  return url;
}

/** The code to check: code+system, a Coding, or a CodeableConcept (any of its codings may match). */
function codesToCheck(input: Inputs, defaultSystem?: string): { system?: string; code: string; display?: string }[] {
  const code = text(input, 'code');
  if (code) return [{ system: text(input, 'system') ?? defaultSystem, code, display: text(input, 'display') }];
  const coding = input.get('coding')?.valueCoding as Coding | undefined;
  if (coding?.code) return [{ system: coding.system ?? defaultSystem, code: coding.code, display: coding.display }];
  const concept = input.get('codeableConcept')?.valueCodeableConcept as CodeableConcept | undefined;
  const codes = (concept?.coding ?? [])
    .filter((c) => c.code)
    .map((c) => ({ system: c.system, code: c.code as string, display: c.display }));
  if (codes.length) return codes;
  throw new OperationOutcomeError(badRequest('Give the code to check: code (+ system), coding or codeableConcept', 'code'));
}

function checkResult(check: CodeCheck): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'result', valueBoolean: check.result },
      ...(check.message ? [{ name: 'message', valueString: check.message }] : []),
      ...(check.display ? [{ name: 'display', valueString: check.display }] : []),
    ],
  };
}

async function expand(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = inputs(req);
  const vs = await targetValueSet(req, repo, input);
  const result = await service(repo).expand(vs, {
    filter: text(input, 'filter'),
    count: int(input, 'count'),
    offset: int(input, 'offset'),
    displayLanguage: text(input, 'displayLanguage'),
  });
  return [allOk, result];
}

async function validateCodeInValueSet(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = inputs(req);
  const vs = await targetValueSet(req, repo, input);
  const svc = service(repo);
  let last: CodeCheck = { result: false };
  for (const c of codesToCheck(input)) {
    last = await svc.validateInValueSet(vs, c.system, c.code, c.display);
    if (last.result) break;
  }
  return [allOk, checkResult(last)];
}

async function validateCodeInCodeSystem(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = inputs(req);
  const system = await codeSystemUrl(req, repo, input, 'url');
  const codes = codesToCheck(input, system);
  const svc = service(repo);
  let last: CodeCheck = { result: false };
  for (const c of codes) {
    const target = c.system ?? system;
    if (!target) throw new OperationOutcomeError(badRequest('Give the code system: url, or system with the code', 'url'));
    last = await svc.validateInCodeSystem(target, c.code, c.display);
    if (last.result) break;
  }
  return [allOk, checkResult(last)];
}

async function lookup(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = inputs(req);
  const coding = input.get('coding')?.valueCoding as Coding | undefined;
  const system = (await codeSystemUrl(req, repo, input, 'system')) ?? coding?.system;
  const code = text(input, 'code') ?? coding?.code;
  if (!system || !code) throw new OperationOutcomeError(badRequest('Give system and code (or a coding)', 'code'));
  const found = await service(repo).lookup(system, code, text(input, 'displayLanguage'));
  const parameter: ParametersParameter[] = [
    { name: 'name', valueString: found.name ?? system },
    ...(found.version ? [{ name: 'version', valueString: found.version }] : []),
    { name: 'display', valueString: found.display ?? code },
    ...found.designations.map((d) => ({
      name: 'designation',
      part: [
        ...(d.language ? [{ name: 'language', valueCode: d.language }] : []),
        ...(d.use?.code ? [{ name: 'use', valueCoding: { system: d.use.system, code: d.use.code } }] : []),
        { name: 'value', valueString: d.value },
      ],
    })),
    {
      name: 'property',
      part: [
        { name: 'code', valueCode: 'inactive' },
        { name: 'value', valueBoolean: !found.active },
      ],
    },
    ...found.parents.map((p) => ({
      name: 'property',
      part: [
        { name: 'code', valueCode: 'parent' },
        { name: 'value', valueCode: p },
      ],
    })),
    ...found.children.map((c) => ({
      name: 'property',
      part: [
        { name: 'code', valueCode: 'child' },
        { name: 'value', valueCode: c },
      ],
    })),
  ];
  return [allOk, { resourceType: 'Parameters', parameter }];
}

async function subsumes(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = inputs(req);
  const codingA = input.get('codingA')?.valueCoding as Coding | undefined;
  const codingB = input.get('codingB')?.valueCoding as Coding | undefined;
  const system = (await codeSystemUrl(req, repo, input, 'system')) ?? codingA?.system;
  const codeA = text(input, 'codeA') ?? codingA?.code;
  const codeB = text(input, 'codeB') ?? codingB?.code;
  if (!system || !codeA || !codeB) throw new OperationOutcomeError(badRequest('Give system, codeA and codeB (or codingA and codingB)'));
  if (codingB?.system && codingB.system !== system) {
    throw new OperationOutcomeError(badRequest('codingA and codingB must be from the same code system', 'codingB'));
  }
  const outcome = await service(repo).subsumes(system, codeA, codeB);
  return [allOk, { resourceType: 'Parameters', parameter: [{ name: 'outcome', valueCode: outcome }] }];
}

export function addTerminologyOperations(router: FhirRouter): void {
  const routes: [string, (req: FhirRequest, repo: PostgresRepository) => Promise<FhirResponse>][] = [
    ['ValueSet/$expand', expand],
    ['ValueSet/:id/$expand', expand],
    ['ValueSet/$validate-code', validateCodeInValueSet],
    ['ValueSet/:id/$validate-code', validateCodeInValueSet],
    ['CodeSystem/$lookup', lookup],
    ['CodeSystem/:id/$lookup', lookup],
    ['CodeSystem/$validate-code', validateCodeInCodeSystem],
    ['CodeSystem/:id/$validate-code', validateCodeInCodeSystem],
    ['CodeSystem/$subsumes', subsumes],
    ['CodeSystem/:id/$subsumes', subsumes],
  ];
  for (const [path, handler] of routes) {
    const h = (req: FhirRequest, repo: unknown) => handler(req, repo as PostgresRepository);
    router.add('GET', path, h);
    router.add('POST', path, h);
  }
}
