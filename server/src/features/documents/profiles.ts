import type { Coding, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { conformance } from '../../validation/conformance.ts';

/**
 * What the ABDM IG's Composition profiles fix, read from their snapshots in the loaded ndhm.in
 * package (fhir-profiles/packages/ndhm.in-6.5.0) rather than written down here: the document type,
 * the section slices with their fixed codes or titles, and the profiles each reference must meet.
 * When the IG package is replaced, the documents follow it; a slice the builders expect and the
 * profile no longer has fails loudly (see records.ts).
 */

export const ABDM_PROFILE_BASE = 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/';
export const DOCUMENT_BUNDLE_PROFILE = `${ABDM_PROFILE_BASE}DocumentBundle`;

export interface SectionShape {
  /** Slice name ('' for the one section of a profile that does not slice them). */
  name: string;
  /** Section code the slice fixes (system, code, display). */
  code?: Coding;
  /** Section title the slice fixes (WellnessRecord slices sections on title). */
  title?: string;
  min: number;
  max: number;
  /** Profiles an entry of this section must meet (canonical URLs). */
  targets: string[];
  /** Closed `entry.type` slicing: each allowed resource type with its own cardinality. */
  entryTypes?: Record<string, { min: number; max: number }>;
  entryMin: number;
  entryMax: number;
}

export interface RecordShape {
  url: string;
  name: string;
  /** Composition.type as fixed by the profile: a coding, a text, or neither (DiagnosticReportRecord). */
  type: { coding?: Coding; text?: string };
  encounterMin: number;
  /** Profiles the Composition's own references must meet, by element. */
  targets: Record<'subject' | 'encounter' | 'author' | 'custodian' | 'attester', string[]>;
  sectionMin: number;
  sectionMax: number;
  /** The section slices, or the one section when the profile does not slice them. */
  sections: SectionShape[];
}

const cache = new Map<string, RecordShape>();

function maxOf(el: ElementDefinition | undefined): number {
  return el?.max === undefined || el.max === '*' ? Number.POSITIVE_INFINITY : Number(el.max);
}

function fixedString(el: ElementDefinition | undefined): string | undefined {
  const e = el as Record<string, unknown> | undefined;
  const v = e?.fixedUri ?? e?.fixedCode ?? e?.fixedString ?? e?.patternUri ?? e?.patternCode ?? e?.patternString;
  return typeof v === 'string' ? v : undefined;
}

function targetsOf(el: ElementDefinition | undefined): string[] {
  return (el?.type ?? []).flatMap((t) => t.targetProfile ?? []);
}

/** The shape of an ABDM Composition profile, or undefined when the URL is not a loaded Composition profile. */
export function recordShape(url: string): RecordShape | undefined {
  const key = url.split('|')[0] as string;
  const hit = cache.get(key);
  if (hit) return hit;
  const sd: StructureDefinition | undefined = conformance().profile(key);
  if (!sd?.snapshot || sd.type !== 'Composition') return undefined;
  const byId = new Map<string, ElementDefinition>();
  for (const el of sd.snapshot.element ?? []) if (el.id) byId.set(el.id, el);
  const coding = (prefix: string): Coding | undefined => {
    const code = fixedString(byId.get(`${prefix}.code`));
    if (!code) return undefined;
    return { system: fixedString(byId.get(`${prefix}.system`)), code, display: fixedString(byId.get(`${prefix}.display`)) };
  };
  const section = (name: string, path: string): SectionShape => {
    const entry = byId.get(`${path}.entry`);
    const slicePrefix = `${path}.entry:`;
    const slices = [...byId.keys()].filter((id) => id.startsWith(slicePrefix) && !id.slice(slicePrefix.length).includes('.'));
    const entryTypes: Record<string, { min: number; max: number }> = {};
    const targets = new Set(targetsOf(entry));
    for (const id of slices) {
      const type = fixedString(byId.get(`${id}.type`));
      if (type) entryTypes[type] = { min: byId.get(id)?.min ?? 0, max: maxOf(byId.get(id)) };
      for (const t of targetsOf(byId.get(id))) targets.add(t);
    }
    const sliced = entry?.slicing?.discriminator?.some((d) => d.path === 'type') && entry.slicing.rules === 'closed';
    return {
      name,
      code: coding(`${path}.code.coding`),
      title: fixedString(byId.get(`${path}.title`)),
      min: byId.get(path)?.min ?? 0,
      max: maxOf(byId.get(path)),
      targets: [...targets],
      entryTypes: sliced && Object.keys(entryTypes).length ? entryTypes : undefined,
      entryMin: entry?.min ?? 0,
      entryMax: maxOf(entry),
    };
  };
  const root = byId.get('Composition.section');
  const sliceNames = [...byId.keys()].map((id) => /^Composition\.section:([^.]+)$/.exec(id)?.[1]).filter((n): n is string => Boolean(n));
  const shape: RecordShape = {
    url: key,
    name: sd.name ?? key.split('/').pop() ?? key,
    type: { coding: coding('Composition.type.coding'), text: fixedString(byId.get('Composition.type.text')) },
    encounterMin: byId.get('Composition.encounter')?.min ?? 0,
    targets: {
      subject: targetsOf(byId.get('Composition.subject')),
      encounter: targetsOf(byId.get('Composition.encounter')),
      author: targetsOf(byId.get('Composition.author')),
      custodian: targetsOf(byId.get('Composition.custodian')),
      attester: targetsOf(byId.get('Composition.attester.party')),
    },
    sectionMin: root?.min ?? 0,
    sectionMax: maxOf(root),
    sections:
      root?.slicing && sliceNames.length
        ? sliceNames.map((n) => section(n, `Composition.section:${n}`))
        : [section('', 'Composition.section')],
  };
  cache.set(key, shape);
  return shape;
}

/** The slice a Composition section falls in: by its fixed code, its fixed title, or the one unsliced section. */
export function sectionShapeFor(shape: RecordShape, section: { code?: { coding?: Coding[] }; title?: string }): SectionShape | undefined {
  if (shape.sections.length === 1 && shape.sections[0]?.name === '') return shape.sections[0];
  const codes = (section.code?.coding ?? []).map((c) => `${c.system}|${c.code}`);
  return shape.sections.find(
    (s) => (s.code && codes.includes(`${s.code.system}|${s.code.code}`)) || (s.title !== undefined && s.title === section.title),
  );
}

/** The value set a profile binds an element to (used to sort wellness Observations by the IG's own code lists). */
export function bindingOf(profileUrl: string, path: string): string | undefined {
  const sd = conformance().profile(profileUrl);
  return sd?.snapshot?.element?.find((e) => e.id === path)?.binding?.valueSet;
}

/** The resource type a profile constrains. */
export function profileType(url: string): string | undefined {
  return conformance().profile(url)?.type;
}

/** The ABDM profile named after a resource type (Patient, Condition, ...), if the IG has one. */
export function abdmProfileFor(type: string): string | undefined {
  return conformance().abdmDefaultProfiles()[type];
}
