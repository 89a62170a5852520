import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Basic, Extension, Resource } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import type { WriteHook } from '../../repo/write-hooks.ts';
import { compileView } from './compile.ts';
import { asOutcomeError } from './errors.ts';
import type { ViewDefinition } from './types.ts';

/**
 * ViewDefinitions are stored as Basic resources: R4 has no ViewDefinition type and every stored
 * type here has its own tables, so a Basic (coded as a ViewDefinition) carries the view's JSON in
 * one extension. It is then a tenant's resource like any other: row-level security, access
 * policies, history and audit apply unchanged. `ViewDefinition/[id]` is the Basic's id.
 */

export const VIEW_KIND_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/basic-kind';
export const VIEW_KIND_CODE = 'ViewDefinition';
export const VIEW_JSON_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/view-definition-json';

export function isStoredView(basic: Basic): boolean {
  return basic.code?.coding?.some((c) => c.system === VIEW_KIND_SYSTEM && c.code === VIEW_KIND_CODE) === true;
}

/** The Basic that stores a view (checked first: an invalid view is not stored). */
export function toBasic(view: ViewDefinition, id?: string): Basic {
  compileOrThrow(view);
  const { id: _id, meta: _meta, ...body } = view as ViewDefinition & { meta?: unknown };
  const extension: Extension[] = [{ url: VIEW_JSON_EXTENSION, valueString: JSON.stringify({ ...body, resourceType: 'ViewDefinition' }) }];
  return {
    resourceType: 'Basic',
    ...(id ? { id } : {}),
    code: {
      coding: [{ system: VIEW_KIND_SYSTEM, code: VIEW_KIND_CODE, display: 'SQL on FHIR ViewDefinition' }],
      text: view.name ?? view.title,
    },
    extension,
  };
}

/** The view a Basic stores, with the Basic's id and version. */
export function fromBasic(basic: Basic): ViewDefinition {
  const json = basic.extension?.find((e) => e.url === VIEW_JSON_EXTENSION)?.valueString;
  if (!isStoredView(basic) || !json) throw new OperationOutcomeError(badRequest(`Basic/${basic.id} is not a stored ViewDefinition`));
  const view = JSON.parse(json) as ViewDefinition & { meta?: Resource['meta'] };
  return { ...view, id: basic.id, meta: basic.meta } as ViewDefinition;
}

function compileOrThrow(view: unknown): void {
  try {
    compileView(view);
  } catch (err) {
    throw asOutcomeError(err);
  }
}

/** Reads a stored view of the caller's tenant (404 for another tenant's: RLS hides it). */
export async function readStoredView(repo: PostgresRepository, id: string): Promise<ViewDefinition> {
  const basic = await repo.readResource<Basic>('Basic', id);
  if (!isStoredView(basic)) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'not-found',
      issue: [{ severity: 'error', code: 'not-found', details: { text: `No ViewDefinition with id ${id}` } }],
    });
  }
  return fromBasic(basic);
}

/**
 * Checks every write of a Basic coded as a ViewDefinition, whichever route it came by (a Basic
 * POSTed directly, a transaction entry): an invalid view is refused, never stored.
 */
export const storedViewHook: WriteHook = {
  async afterWrite(_ctx, _current, next) {
    if (!next || !isStoredView(next as Basic)) return;
    const json = (next as Basic).extension?.find((e) => e.url === VIEW_JSON_EXTENSION)?.valueString;
    let view: unknown;
    try {
      view = json === undefined ? undefined : JSON.parse(json);
    } catch {
      view = undefined;
    }
    if (view === undefined) {
      throw new OperationOutcomeError(
        badRequest(`A Basic coded as a ViewDefinition needs the view's JSON in the extension ${VIEW_JSON_EXTENSION}`, 'Basic.extension'),
      );
    }
    compileOrThrow(view);
  },
};
