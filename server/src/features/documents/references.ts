import { createHash } from 'node:crypto';
import { crawlTypedValue, toTypedValue } from '@medplum/core';
import type { Attachment, Reference, Resource } from '@medplum/fhirtypes';

/** A reference to a resource on this server: `Type/id`, optionally a version. */
export interface LocalReference {
  type: string;
  id: string;
  version?: string;
  /** `Type/id` or `Type/id/_history/v`: the key a document holds one entry per. */
  key: string;
}

/** A Reference inside a resource, with the FHIRPath-like path of the element holding it (`Composition.section.entry`). */
export interface FoundReference {
  path: string;
  reference: Reference;
}

const LOCAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;

/**
 * Parses a reference to this server: relative (`Patient/123`) or absolute under the server's FHIR
 * base. Contained (`#x`), `urn:` and other servers' URLs are not local.
 */
export function parseLocalReference(reference: string | undefined, fhirBase: string): LocalReference | undefined {
  if (!reference) return undefined;
  const relative = reference.startsWith(`${fhirBase}/`) ? reference.slice(fhirBase.length + 1) : reference;
  const m = LOCAL.exec(relative);
  if (!m) return undefined;
  const [, type, id, version] = m as unknown as [string, string, string, string | undefined];
  return { type, id, version, key: version ? `${type}/${id}/_history/${version}` : `${type}/${id}` };
}

/**
 * Every Reference in a resource (contained resources and extensions included), typed by the R4
 * definitions, so elements that merely have a `reference` property of another type (a uri in
 * Immunization.education, DetectedIssue.reference) are not mistaken for one. The objects returned
 * are the resource's own: changing them changes the resource.
 */
export function referencesIn(resource: Resource): FoundReference[] {
  const found: FoundReference[] = [];
  crawlTypedValue(toTypedValue(resource), {
    visitProperty(_parent, _key, path, values) {
      for (const v of values.flat()) {
        if (v.type === 'Reference' && v.value && typeof v.value === 'object') found.push({ path, reference: v.value as Reference });
      }
    },
  });
  return found;
}

/** Every Attachment in a resource (the resource's own objects). */
export function attachmentsIn(resource: Resource): Attachment[] {
  const found: Attachment[] = [];
  crawlTypedValue(toTypedValue(resource), {
    visitProperty(_parent, _key, _path, values) {
      for (const v of values.flat()) {
        if (v.type === 'Attachment' && v.value && typeof v.value === 'object') found.push(v.value as Attachment);
      }
    },
  });
  return found;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 4122 name space for URLs.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A name-based (version 5, SHA-1) UUID: the same name always gives the same UUID. */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
