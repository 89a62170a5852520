import { getDataType } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

function tagSubsetted(r: Record<string, unknown>): Record<string, unknown> {
  const meta = (r.meta ?? {}) as { tag?: unknown[] };
  return { ...r, meta: { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] } };
}

/** Whether JSON key `k` is one of `names`, or the concrete form of a choice among them (`value` -> `valueQuantity`). */
function isSelected(key: string, names: Set<string>, resourceType: string): boolean {
  const k = key.startsWith('_') ? key.slice(1) : key; // a primitive's id and extensions go with it
  if (names.has(k)) return true;
  const elements = getDataType(resourceType).elements;
  for (const name of names) {
    if (k.length > name.length && k.startsWith(name) && /^[A-Z]/.test(k.charAt(name.length)) && elements[`${name}[x]`]) return true;
  }
  return false;
}

/** Applies `_summary` (true, text, data, false) and `_elements` to one resource, per FHIR search. */
export function subset(resource: Resource, summary: string | undefined, elements: string[] | undefined): Resource {
  const r = resource as unknown as Record<string, unknown>;
  if (elements?.length) {
    // R4: the mandatory elements come back whatever was asked for.
    const schema = getDataType(resource.resourceType) as { mandatoryProperties?: Set<string> };
    const keep = new Set([...(schema.mandatoryProperties ?? []), ...elements.map((e) => e.split('.')[0] as string)]);
    const out = Object.fromEntries(Object.entries(r).filter(([k]) => ALWAYS.has(k) || isSelected(k, keep, resource.resourceType)));
    return tagSubsetted(out) as unknown as Resource;
  }
  if (!summary || summary === 'false') return resource;
  if (summary === 'text') {
    return tagSubsetted(Object.fromEntries(Object.entries(r).filter(([k]) => ALWAYS.has(k) || k === 'text'))) as unknown as Resource;
  }
  if (summary === 'data') {
    return tagSubsetted(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'text'))) as unknown as Resource;
  }
  // _summary=true: the elements the definitions mark isSummary, plus the mandatory ones.
  const schema = getDataType(resource.resourceType) as { summaryProperties?: Set<string>; mandatoryProperties?: Set<string> };
  const keep = new Set([...(schema.summaryProperties ?? []), ...(schema.mandatoryProperties ?? [])]);
  // choice elements are stored as value[x] and sent as valueQuantity, valueString...
  const kept = (k: string) => ALWAYS.has(k) || keep.has(k) || [...keep].some((s) => k.startsWith(s) && /^[A-Z]/.test(k.slice(s.length)));
  const out = Object.fromEntries(Object.entries(r).filter(([k]) => kept(k)));
  return tagSubsetted(out) as unknown as Resource;
}

export function subsetBundle(bundle: Bundle, summary: string | undefined, elements: string[] | undefined): Bundle {
  return {
    ...bundle,
    entry: bundle.entry?.map((e) =>
      e.resource && e.search?.mode !== 'include' ? { ...e, resource: subset(e.resource, summary, elements) } : e,
    ),
  };
}
