import type { CompositionSection, Narrative } from '@medplum/fhirtypes';

/**
 * What the doctor writes in a discharge summary (docs/ipd.md): six texts, one item a line, and the
 * follow-up date. Each is stored as a section of the DischargeSummaryRecord Composition after the
 * IG's own slices (the profile's section slicing is open at the end), its narrative one `<p>` per
 * line, so an amendment reads back exactly what was signed.
 */
export const LOINC = 'http://loinc.org';

export const FIELDS = ['diagnoses', 'procedures', 'course', 'medications', 'advice'] as const;
export type Field = (typeof FIELDS)[number];

export interface SummaryContent {
  diagnoses: string;
  procedures: string;
  course: string;
  medications: string;
  advice: string;
  /** YYYY-MM-DD, or empty. */
  followUp: string;
}

/** The sections' titles (English / Hindi, as the PDF prints them) and LOINC codes. */
export const SECTION: Record<Field | 'followUp' | 'disposition', { title: string; code?: string; display?: string }> = {
  diagnoses: { title: 'Diagnosis at discharge', code: '11535-2', display: 'Hospital discharge Dx Narrative' },
  procedures: { title: 'Procedures done' },
  course: { title: 'Course in hospital', code: '8648-8', display: 'Hospital course Narrative' },
  medications: { title: 'Medications on discharge', code: '10183-2', display: 'Hospital discharge medications Narrative' },
  advice: { title: 'Advice on discharge', code: '8653-8', display: 'Hospital Discharge instructions' },
  followUp: { title: 'Follow-up', code: '18776-5', display: 'Plan of care note' },
  disposition: { title: 'Discharge disposition' },
};

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const unescapeXml = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');

export const linesOf = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function narrative(text: string): Narrative {
  const paras = linesOf(text)
    .map((l) => `<p>${escapeXml(l)}</p>`)
    .join('');
  return { status: 'additional', div: `<div xmlns="http://www.w3.org/1999/xhtml">${paras}</div>` };
}

export function narrativeText(n: Narrative | undefined): string {
  return [...(n?.div ?? '').matchAll(/<p>(.*?)<\/p>/gs)].map((m) => unescapeXml(m[1])).join('\n');
}

export function textSection(key: keyof typeof SECTION, text: string): CompositionSection {
  const s = SECTION[key];
  return {
    title: s.title,
    ...(s.code ? { code: { coding: [{ system: LOINC, code: s.code, display: s.display }] } } : {}),
    text: narrative(text),
  };
}

/** The doctor's texts read back from a signed Composition's sections. */
export function contentOf(sections: CompositionSection[] | undefined): SummaryContent {
  const find = (key: keyof typeof SECTION) => narrativeText(sections?.find((s) => s.title === SECTION[key].title)?.text);
  const follow = find('followUp');
  return {
    diagnoses: find('diagnoses'),
    procedures: find('procedures'),
    course: find('course'),
    medications: find('medications'),
    advice: find('advice'),
    followUp: /\d{4}-\d{2}-\d{2}/.exec(follow)?.[0] ?? '',
  };
}
