import type { Bundle, BundleEntry, Location } from '@medplum/fhirtypes';
import { DEMO_ID_SYSTEM, demoResourceId } from './demo-tenant.ts';

/**
 * The demo branches' in-patient wards (docs/ipd.md): per branch a general ward of two rooms, a
 * private wing of single rooms and an ICU, every bed free but one in housekeeping and one closed.
 * A second transaction after the tenant's (a transaction takes at most 50 updates), PUTs to
 * fixed ids like the rest of the demo, so loading again changes nothing.
 */
const PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
const WARD_CLASS = 'https://hospital-ops.in/fhir/CodeSystem/ward-class';
const BED_TAG = 'https://hospital-ops.in/fhir/CodeSystem/bed-tag';
const BED_POSITION = 'https://hospital-ops.in/fhir/StructureDefinition/bed-position';
const BED_STATUS = 'http://terminology.hl7.org/CodeSystem/v2-0116';
const STATUS_DISPLAY = { U: 'Unoccupied', H: 'Housekeeping', C: 'Closed' } as const;

const BRANCHES = [
  { slug: 'branch-pune', code: 'pun' },
  { slug: 'branch-jaipur', code: 'jai' },
];

function put(slug: string, resource: Location): BundleEntry {
  const id = demoResourceId(slug);
  return {
    resource: { ...resource, id, identifier: [{ system: DEMO_ID_SYSTEM, value: slug }] },
    request: { method: 'PUT', url: `Location/${id}` },
  };
}

const physical = (code: string, display: string) => ({ coding: [{ system: PHYSICAL_TYPE, code, display }] });
const klass = (code: string) => ({ coding: [{ system: WARD_CLASS, code, display: code }] });
const tag = (code: string) => ({ coding: [{ system: BED_TAG, code, display: code }] });

function place(
  branchSlug: string,
  slug: string,
  name: string,
  parent: string | undefined,
  kind: 'wa' | 'ro',
  bedClass?: string,
): BundleEntry {
  return put(slug, {
    resourceType: 'Location',
    status: 'active',
    name,
    mode: 'instance',
    physicalType: kind === 'wa' ? physical('wa', 'Ward') : physical('ro', 'Room'),
    ...(bedClass ? { type: [klass(bedClass)] } : {}),
    ...(parent ? { partOf: { reference: `Location/${demoResourceId(parent)}` } } : {}),
    managingOrganization: { reference: `Organization/${demoResourceId(branchSlug)}` },
  });
}

function bed(
  branchSlug: string,
  slug: string,
  name: string,
  parent: string,
  row: number,
  column: number,
  tags: string[] = [],
  status: keyof typeof STATUS_DISPLAY = 'U',
): BundleEntry {
  return put(slug, {
    resourceType: 'Location',
    status: 'active',
    name,
    mode: 'instance',
    physicalType: physical('bd', 'Bed'),
    operationalStatus: { system: BED_STATUS, code: status, display: STATUS_DISPLAY[status] },
    ...(tags.length ? { type: tags.map(tag) } : {}),
    extension: [
      {
        url: BED_POSITION,
        extension: [
          { url: 'row', valueInteger: row },
          { url: 'column', valueInteger: column },
        ],
      },
    ],
    partOf: { reference: `Location/${demoResourceId(parent)}` },
    managingOrganization: { reference: `Organization/${demoResourceId(branchSlug)}` },
  });
}

export function demoWardsBundle(): Bundle {
  const entries: BundleEntry[] = [];
  for (const b of BRANCHES) {
    const s = (rest: string) => `${b.code}-${rest}`;
    const code = b.code.toUpperCase();
    entries.push(place(b.slug, s('ward-general'), 'General ward', undefined, 'wa', 'general'));
    for (const room of [1, 2]) {
      entries.push(place(b.slug, s(`room-g${room}`), `General room ${room}`, s('ward-general'), 'ro'));
      for (let n = 1; n <= 3; n++) {
        const tags = n === 1 ? ['oxygen'] : [];
        const status = room === 2 && n === 3 ? 'H' : 'U';
        entries.push(bed(b.slug, s(`bed-g${room}-${n}`), `${code}-G${room}-${n}`, s(`room-g${room}`), room, n, tags, status));
      }
    }
    entries.push(place(b.slug, s('ward-private'), 'Private wing', undefined, 'wa', 'private'));
    for (let n = 1; n <= 4; n++) {
      entries.push(place(b.slug, s(`room-p${n}`), `Private room ${200 + n}`, s('ward-private'), 'ro'));
      entries.push(bed(b.slug, s(`bed-p${n}`), `${code}-P${200 + n}`, s(`room-p${n}`), 1, n, n === 4 ? ['isolation'] : []));
    }
    entries.push(place(b.slug, s('ward-icu'), 'ICU', undefined, 'wa', 'icu'));
    for (let n = 1; n <= 4; n++) {
      const tags = n === 4 ? ['oxygen', 'isolation'] : ['oxygen'];
      entries.push(bed(b.slug, s(`bed-icu-${n}`), `${code}-ICU-${n}`, s('ward-icu'), 1, n, tags, n === 3 ? 'C' : 'U'));
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
