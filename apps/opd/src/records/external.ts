import type { Bundle, Composition, Provenance, Resource } from '@medplum/fhirtypes';

/**
 * The patient's records from other facilities, received over ABDM (docs/abdm.md, HIU): each a
 * FHIR document Bundle with a Provenance naming the facility and the consent. Read with
 * `Provenance?patient=…&_include=Provenance:target:Bundle`. The documents are another facility's
 * words: shown as they wrote them (the sections' narrative as plain text), never merged into ours.
 */
export interface ExternalRecord {
  id: string;
  title: string;
  type?: string;
  date?: string;
  facility?: string;
  received?: string;
  sections: { title: string; text: string }[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** An XHTML narrative as plain text: block ends become line breaks, tags go, entities are decoded. */
export function narrativeText(div: string | undefined): string {
  if (!div) return '';
  return div
    .replace(/<(br|\/p|\/div|\/tr|\/li|\/h\d)\b[^>]*>/gi, '\n')
    .replace(/<\/t[dh]>/gi, '  ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x?[0-9a-f]+|\w+);/gi, (whole, code: string) => {
      if (code.startsWith('#x') || code.startsWith('#X')) return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
      if (code.startsWith('#')) return String.fromCodePoint(Number(code.slice(1)));
      return ENTITIES[code.toLowerCase()] ?? whole;
    })
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** One row per received document, newest first. */
export function externalRecords(search: Bundle): ExternalRecord[] {
  const resources = (search.entry ?? []).flatMap((e) => (e.resource ? [e.resource as Resource] : []));
  const documents = new Map(resources.filter((r): r is Bundle => r.resourceType === 'Bundle').map((b) => [`Bundle/${b.id}`, b]));
  const rows: ExternalRecord[] = [];
  for (const p of resources.filter((r): r is Provenance => r.resourceType === 'Provenance')) {
    const ref = p.target?.find((x) => x.reference?.startsWith('Bundle/'))?.reference;
    const document = ref ? documents.get(ref) : undefined;
    const composition = document?.entry?.[0]?.resource as Composition | undefined;
    if (!document?.id || composition?.resourceType !== 'Composition') continue;
    rows.push({
      id: document.id,
      title: composition.title ?? composition.type?.text ?? 'Health record',
      type: composition.type?.text ?? composition.type?.coding?.[0]?.display,
      date: composition.date,
      facility: p.agent?.[0]?.who?.display ?? p.agent?.[0]?.who?.identifier?.value,
      received: p.recorded,
      sections: (composition.section ?? []).map((s) => ({ title: s.title ?? '', text: narrativeText(s.text?.div) })),
    });
  }
  return rows.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
}
