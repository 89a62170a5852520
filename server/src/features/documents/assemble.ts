import { getStatus, OperationOutcomeError, type WithId } from '@medplum/core';
import type {
  Binary,
  Bundle,
  BundleEntry,
  Coding,
  Composition,
  CompositionSection,
  OperationOutcomeIssue,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { validator } from '../../fhir/validate.ts';
import { forbiddenOutcome } from '../../http/outcomes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import {
  ABDM_PROFILE_BASE,
  abdmProfileFor,
  DOCUMENT_BUNDLE_PROFILE,
  profileType,
  type RecordShape,
  recordShape,
  sectionShapeFor,
} from './profiles.ts';
import { attachmentsIn, isUuid, type LocalReference, nameUuid, parseLocalReference, referencesIn } from './references.ts';

/**
 * Assembles a FHIR document (Bundle type=document) from a Composition, as `Composition/[id]/$document`
 * does and as the ABDM record builders do after building theirs:
 *
 * 1. Entries: the Composition first, then what it names (subject, encounter, authors, attesters,
 *    custodian, section entries, section authors and focus), then, transitively, every resource
 *    those resources reference on this server, breadth first. Each is read through the caller's
 *    repository, so role, scopes, patient context, Consent and tenant apply to every one of them.
 * 2. A resource the Composition names that the caller cannot read (type refused, outside their
 *    conditions, refused by Consent, deleted, or missing: reads do not tell these apart, and neither
 *    does this) fails the whole document with 403. A resource only referenced from inside another
 *    entry is left out instead, and the reference to it becomes its absolute URL on this server,
 *    which tells the receiver no more than the referencing resource already did.
 * 3. Profiles: each entry claims, in meta.profile, the ABDM profile the Composition's record profile
 *    asks for at that place (a wellness vital sign: ObservationVitalSigns), or else the ABDM profile
 *    for its type, but only when it actually conforms (checked with our validator); claims it
 *    already made are kept. `strict` turns a named resource that meets none of the profiles its
 *    place asks for into a 422 that lists why.
 * 4. References: every entry gets a `urn:uuid:` fullUrl (the resource's own id when that is a UUID,
 *    else a name-based UUID of its URL, so the same resource has the same fullUrl in every
 *    document) and every reference to an entry is rewritten to it, as the IG's examples do.
 */

export const MAX_DOCUMENT_ENTRIES = 2000;

const CONFIDENTIALITY: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  code: 'V',
  display: 'very restricted',
};

export interface AssembleOptions {
  /** Every resource the Composition names must meet a profile its place in the record profile asks for (422 otherwise). */
  strict?: boolean;
}

interface Entry {
  key: string;
  resource: Resource;
  uuid: string;
  /** Profiles asked of this resource where the Composition names it. */
  targets: Set<string>;
  /** Where the Composition names it, for messages. */
  namedAs?: string;
}

interface Pending {
  ref: LocalReference;
  /** Named by the Composition (must be readable) or merely referenced from an entry. */
  namedAs?: string;
  targets: string[];
}

/** A read the caller is refused, or of something that is not there: both look the same from outside. */
function isUnreadable(err: unknown): boolean {
  return err instanceof OperationOutcomeError && [403, 404, 410].includes(getStatus(err.outcome));
}

function businessRule(issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError({ resourceType: 'OperationOutcome', id: 'business-rule', issue: issues });
}

export function documentError(text: string, expression?: string): OperationOutcomeError {
  return businessRule([
    { severity: 'error', code: 'business-rule', details: { text }, ...(expression ? { expression: [expression] } : {}) },
  ]);
}

/** What the Composition itself names, with the profiles its record profile asks of each. */
function namedReferences(
  composition: Composition,
  shape: RecordShape | undefined,
): { reference: Reference; namedAs: string; targets: string[] }[] {
  const out: { reference: Reference; namedAs: string; targets: string[] }[] = [];
  const add = (reference: Reference | undefined, namedAs: string, targets: string[] = []) => {
    if (reference?.reference) out.push({ reference, namedAs, targets });
  };
  add(composition.subject, 'Composition.subject', shape?.targets.subject);
  add(composition.encounter, 'Composition.encounter', shape?.targets.encounter);
  for (const [i, a] of (composition.author ?? []).entries()) add(a, `Composition.author[${i}]`, shape?.targets.author);
  for (const [i, a] of (composition.attester ?? []).entries()) add(a.party, `Composition.attester[${i}].party`, shape?.targets.attester);
  add(composition.custodian, 'Composition.custodian', shape?.targets.custodian);
  const sections = (list: CompositionSection[] | undefined, path: string, top: boolean) => {
    for (const [i, s] of (list ?? []).entries()) {
      const where = `${path}[${i}]`;
      const targets = top && shape ? (sectionShapeFor(shape, s)?.targets ?? []) : [];
      for (const [j, e] of (s.entry ?? []).entries()) add(e, `${where}.entry[${j}]`, targets);
      for (const [j, a] of (s.author ?? []).entries()) add(a, `${where}.author[${j}]`);
      add(s.focus, `${where}.focus`);
      sections(s.section, `${where}.section`, false);
    }
  };
  sections(composition.section, 'Composition.section', true);
  return out;
}

/** Profiles a resource may claim besides those asked at its place: the ABDM profile(s) for its type. */
function typeCandidates(resource: Resource): string[] {
  if (resource.resourceType === 'DiagnosticReport') {
    const imaging = Boolean(resource.media?.length || resource.imagingStudy?.length);
    const lab = `${ABDM_PROFILE_BASE}DiagnosticReportLab`;
    const img = `${ABDM_PROFILE_BASE}DiagnosticReportImaging`;
    return imaging ? [img, lab] : [lab, img];
  }
  const own = abdmProfileFor(resource.resourceType);
  return own ? [own] : [];
}

function errorsAgainst(resource: Resource, profile: string): OperationOutcomeIssue[] {
  return validator()
    .validate(resource, { profiles: [profile] })
    .filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/**
 * Adds to meta.profile the first ABDM profile the resource conforms to, among those asked at its
 * place and those for its type. Returns the profiles asked at its place that it meets (claimed
 * before or now), and the issues against the first of them when it meets none.
 */
function claimProfile(entry: Entry): { met: boolean; issues: OperationOutcomeIssue[] } {
  const { resource } = entry;
  const asked = [...entry.targets].filter((t) => profileType(t) === resource.resourceType && t.startsWith(ABDM_PROFILE_BASE));
  const candidates = [...new Set([...asked, ...typeCandidates(resource)])];
  const claimed = resource.meta?.profile ?? [];
  let chosen = candidates.find((c) => claimed.includes(c));
  let firstIssues: OperationOutcomeIssue[] | undefined;
  if (!chosen) {
    for (const candidate of candidates) {
      const issues = errorsAgainst(resource, candidate);
      if (issues.length === 0) {
        chosen = candidate;
        resource.meta = { ...resource.meta, profile: [...claimed, candidate] };
        break;
      }
      if (asked.includes(candidate)) firstIssues ??= issues;
    }
  }
  const met = asked.length === 0 || asked.some((a) => (resource.meta?.profile ?? []).includes(a));
  return { met, issues: met ? [] : (firstIssues ?? errorsAgainst(resource, asked[0] as string)) };
}

/**
 * The IG requires attachments inline (DocumentReference.content.attachment.data 1..1). An attachment
 * that only points at a Binary on this server gets that Binary's data, when the caller may read it.
 */
async function inlineBinaries(repo: PostgresRepository, entries: Iterable<Entry>, fhirBase: string): Promise<void> {
  for (const entry of entries) {
    for (const attachment of attachmentsIn(entry.resource)) {
      if (attachment.data) continue;
      const ref = parseLocalReference(attachment.url, fhirBase);
      if (ref?.type !== 'Binary' || ref.version) continue;
      try {
        const binary = await repo.readResource<Binary>('Binary', ref.id);
        if (!binary.data) continue;
        attachment.data = binary.data;
        attachment.contentType ??= binary.contentType;
      } catch (err) {
        if (!isUnreadable(err)) throw err;
      }
    }
  }
}

/** The document Bundle for a Composition, read and assembled through the caller's repository. */
export async function assembleDocument(
  repo: PostgresRepository,
  composition: WithId<Composition>,
  options: AssembleOptions = {},
): Promise<Bundle> {
  const fhirBase = `${repo.baseUrl}/fhir/R4`;
  const shape = (composition.meta?.profile ?? []).map((p) => recordShape(p)).find(Boolean);
  const entries = new Map<string, Entry>();
  const unreadable = new Set<string>();
  const taken = new Set<string>();
  const uuidOf = (key: string, id: string): string => {
    let uuid = isUuid(id) && !key.includes('/_history/') ? id.toLowerCase() : nameUuid(`${fhirBase}/${key}`);
    if (taken.has(uuid)) uuid = nameUuid(`${fhirBase}/${key}`);
    taken.add(uuid);
    return uuid;
  };
  const compositionKey = `Composition/${composition.id}`;
  entries.set(compositionKey, {
    key: compositionKey,
    resource: structuredClone(composition),
    uuid: uuidOf(compositionKey, composition.id),
    targets: new Set(),
  });

  const queue: Pending[] = [];
  const named = namedReferences(composition, shape);
  const namedObjects = new Set(named.map((n) => n.reference));
  for (const n of named) {
    const ref = parseLocalReference(n.reference.reference, fhirBase);
    if (ref) queue.push({ ref, namedAs: n.namedAs, targets: n.targets });
  }
  const follow = (resource: Resource, skip?: Set<Reference>) => {
    for (const found of referencesIn(resource)) {
      if (skip?.has(found.reference)) continue;
      const ref = parseLocalReference(found.reference.reference, fhirBase);
      if (ref) queue.push({ ref, targets: [] });
    }
  };
  follow(composition, namedObjects);

  for (let i = 0; i < queue.length; i++) {
    const item = queue[i] as Pending;
    const { ref } = item;
    const existing = entries.get(ref.key);
    if (existing) {
      for (const t of item.targets) existing.targets.add(t);
      existing.namedAs ??= item.namedAs;
      continue;
    }
    if (!unreadable.has(ref.key)) {
      let resource: Resource | undefined;
      try {
        resource = ref.version ? await repo.readVersion(ref.type, ref.id, ref.version) : await repo.readResource(ref.type, ref.id);
      } catch (err) {
        if (!isUnreadable(err)) throw err;
        unreadable.add(ref.key);
      }
      if (resource) {
        if (entries.size >= MAX_DOCUMENT_ENTRIES) {
          throw documentError(`The document would hold more than ${MAX_DOCUMENT_ENTRIES} resources`);
        }
        entries.set(ref.key, {
          key: ref.key,
          resource,
          uuid: uuidOf(ref.key, ref.id),
          targets: new Set(item.targets),
          namedAs: item.namedAs,
        });
        follow(resource);
        continue;
      }
    }
    if (item.namedAs) {
      throw new OperationOutcomeError(
        forbiddenOutcome(
          `The document needs ${ref.key} (${item.namedAs}), which does not exist or is outside what you may read; nothing was returned`,
        ),
      );
    }
  }

  // A version-specific reference to the version that is also current is one entry, not two.
  const aliases = new Map<string, Entry>();
  for (const [key, entry] of entries) {
    const ref = parseLocalReference(key, fhirBase);
    if (!ref?.version) continue;
    const current = entries.get(`${ref.type}/${ref.id}`);
    if (current && current.resource.meta?.versionId === ref.version) {
      aliases.set(key, current);
      entries.delete(key);
      for (const t of entry.targets) current.targets.add(t);
      current.namedAs ??= entry.namedAs;
    }
  }

  await inlineBinaries(repo, entries.values(), fhirBase);

  const problems: OperationOutcomeIssue[] = [];
  for (const entry of entries.values()) {
    if (entry.key === compositionKey) continue;
    const { met, issues } = claimProfile(entry);
    if (options.strict && !met && entry.namedAs) {
      const asked = [...entry.targets].filter((t) => profileType(t) === entry.resource.resourceType);
      problems.push({
        severity: 'error',
        code: 'business-rule',
        details: { text: `${entry.key} (${entry.namedAs}) does not meet ${asked.join(' or ') || 'the profile asked here'}` },
        expression: [entry.namedAs],
      });
      for (const issue of issues) problems.push({ ...issue, expression: issue.expression?.map((e) => `${entry.key}: ${e}`) });
    }
  }
  if (problems.length) throw businessRule(problems);

  const entry: BundleEntry[] = [...entries.values()].map((e) => {
    const resource = structuredClone(e.resource);
    for (const found of referencesIn(resource)) {
      const ref = parseLocalReference(found.reference.reference, fhirBase);
      if (!ref) continue;
      const target = entries.get(ref.key) ?? aliases.get(ref.key);
      found.reference.reference = target ? `urn:uuid:${target.uuid}` : `${fhirBase}/${ref.key}`;
    }
    // An attachment URL relative to this server means nothing to a receiver: make it absolute.
    for (const attachment of attachmentsIn(resource)) {
      const ref = parseLocalReference(attachment.url, fhirBase);
      if (ref && attachment.url === ref.key) attachment.url = `${fhirBase}/${ref.key}`;
    }
    return { fullUrl: `urn:uuid:${e.uuid}`, resource };
  });
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  return {
    resourceType: 'Bundle',
    id,
    meta: { versionId: '1', lastUpdated: now, profile: [DOCUMENT_BUNDLE_PROFILE], security: [CONFIDENTIALITY] },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${id}` },
    type: 'document',
    timestamp: now,
    entry,
  };
}
