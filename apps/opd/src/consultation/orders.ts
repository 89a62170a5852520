import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Dosage,
  Encounter,
  Extension,
  Medication,
  MedicationRequest,
  Patient,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { PRESCRIPTION_LINE_URL, SNOMED } from '../fhir/systems.ts';

/** A line of the prescription as the doctor builds it, before it becomes a MedicationRequest. */
export interface DraftMedication {
  key: string;
  medication: Medication;
  dosage: Dosage[];
  /** What the patient reads, in their language (English for a patient who also gets the Hindi). */
  patientInstruction: string;
  /** The instruction in Hindi, stored as its FHIR translation, so the prescription prints both. */
  patientInstructionHi?: string;
  warnings: string[];
  /** When the doctor added the line: the prescription's lines keep this order wherever they are shown. */
  authoredOn?: string;
}

type Line = { authoredOn?: string; id?: string; extension?: Extension[] };

/** The line number the prescription-line extension stores on a MedicationRequest. */
export function lineOf(request: Line): number | undefined {
  return request.extension?.find((e) => e.url === PRESCRIPTION_LINE_URL)?.valuePositiveInt;
}

/** The number the next saved line gets: after every line of the visit saved so far. */
export function nextLine(saved: Line[]): number {
  return Math.max(0, ...saved.map((m, i) => lineOf(m) ?? i + 1)) + 1;
}

/**
 * A visit's medicines in the order the doctor wrote them: by their stored line number; lines
 * saved before numbering existed by authoredOn (stamped as each line was added), then id.
 */
export function inWrittenOrder<T extends Line>(requests: T[]): T[] {
  const key = (r: T) => lineOf(r) ?? Number.MAX_SAFE_INTEGER;
  return [...requests].sort(
    (a, b) => key(a) - key(b) || (a.authoredOn ?? '').localeCompare(b.authoredOn ?? '') || (a.id ?? '').localeCompare(b.id ?? ''),
  );
}

/**
 * Common OPD investigations. The ABDM ServiceRequest profile fixes code.coding.system to SNOMED CT,
 * so a test is coded with its SNOMED CT procedure where we are sure of it (the lipid panel as in the
 * IG's own example) and ordered as text otherwise.
 */
export const COMMON_TESTS: { code?: string; display: string; aliases: string[] }[] = [
  { code: '26604007', display: 'Complete blood count', aliases: ['CBC', 'CBP', 'Haemogram', 'Hemogram'] },
  { code: '33747003', display: 'Glucose measurement, blood', aliases: ['Blood sugar', 'FBS', 'RBS', 'PPBS'] },
  { code: '43396009', display: 'Hemoglobin A1c measurement', aliases: ['HbA1c', 'A1c', 'Glycated haemoglobin'] },
  { code: '16254007', display: 'Lipid panel', aliases: ['Lipid profile', 'Cholesterol'] },
  { code: '26958001', display: 'Hepatic function panel', aliases: ['LFT', 'Liver function test'] },
  { display: 'Renal function test (urea, creatinine, electrolytes)', aliases: ['RFT', 'KFT', 'Kidney function test'] },
  { display: 'Thyroid stimulating hormone (TSH)', aliases: ['Thyroid'] },
  { code: '27171005', display: 'Urinalysis', aliases: ['Urine routine', 'Urine R/M'] },
  { display: 'Vitamin B12', aliases: ['B12'] },
  { display: 'Vitamin D (25-hydroxy)', aliases: ['Vit D'] },
];

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/**
 * Whether a typed search finds a test: every typed word starts a word of its name or of one of
 * the abbreviations a desk uses ("cbc" finds Complete blood count, "kid fun" the renal panel).
 */
export function testMatches(test: { display: string; aliases: string[] }, search: string): boolean {
  const typed = words(search);
  if (!typed.length) return true;
  return [test.display, ...test.aliases].some((name) => {
    const own = words(name);
    return typed.every((w) => own.some((o) => o.startsWith(w)));
  });
}

export function medicationName(m: Medication | undefined): string {
  return m?.code?.text ?? m?.code?.coding?.[0]?.display ?? '';
}

const ref = (r: Resource) => ({ reference: `${r.resourceType}/${r.id}` });

/**
 * The medicine as the ABDM profile wants it: a CodeableConcept with SNOMED CT codings only. The
 * product's name (generic, strength, form) is unique in the formulary, so the text finds it again.
 */
export function medicationConcept(m: Medication): CodeableConcept {
  const snomed = m.code?.coding?.filter((c) => c.system === SNOMED) ?? [];
  return { ...(snomed.length ? { coding: snomed } : {}), text: medicationName(m) };
}

/** The formulary product a MedicationRequest names, if it came from the formulary. */
export function formularyMatch(r: MedicationRequest, formulary: Medication[]): Medication | undefined {
  const text = r.medicationCodeableConcept?.text;
  return text ? formulary.find((m) => medicationName(m) === text) : undefined;
}

/** FHIR's translation extension on a string primitive (`_element`): the Hindi of what the element says. */
export function hindiTranslation(text: string): { extension: Extension[] } {
  return {
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/translation',
        extension: [
          { url: 'lang', valueCode: 'hi' },
          { url: 'content', valueString: text },
        ],
      },
    ],
  };
}

/**
 * The prescription, lab orders and follow-up as one transaction: either the whole visit's orders
 * are stored or none are (a half-saved prescription is worse than none).
 */
export function ordersBundle(
  encounter: Encounter,
  requester: string,
  lines: DraftMedication[],
  tests: { code?: string; display: string }[],
  followUp: string | undefined,
  now = new Date().toISOString(),
  firstLine = 1,
): Bundle {
  const subject = encounter.subject ?? {};
  const entries: BundleEntry[] = [];
  const groupIdentifier = { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${crypto.randomUUID()}` };
  for (const [index, line] of lines.entries()) {
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      // The line's place on the prescription, so every screen and the PDF list it where it was written.
      extension: [{ url: PRESCRIPTION_LINE_URL, valuePositiveInt: firstLine + index }],
      status: 'active',
      intent: 'order',
      groupIdentifier,
      // The ABDM profile allows only a CodeableConcept here: the product's own codes plus its formulary entry.
      medicationCodeableConcept: medicationConcept(line.medication),
      subject,
      encounter: ref(encounter),
      authoredOn: line.authoredOn ?? now,
      requester: { reference: requester },
      dosageInstruction: line.dosage.map((d) => ({
        ...d,
        patientInstruction: line.patientInstruction || d.patientInstruction,
        ...(line.patientInstructionHi ? { _patientInstruction: hindiTranslation(line.patientInstructionHi) } : {}),
      })),
    };
    entries.push({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: request, request: { method: 'POST', url: 'MedicationRequest' } });
  }
  for (const test of tests) {
    const order: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: SNOMED, code: '108252007', display: 'Laboratory procedure' }] }],
      code: test.code
        ? { coding: [{ system: SNOMED, code: test.code, display: test.display }], text: test.display }
        : { text: test.display },
      subject,
      encounter: ref(encounter),
      authoredOn: now,
      requester: { reference: requester },
    };
    entries.push({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: order, request: { method: 'POST', url: 'ServiceRequest' } });
  }
  if (followUp) {
    const practitioner = encounter.participant?.find((p) => p.individual?.reference?.startsWith('Practitioner/'))?.individual;
    entries.push({
      fullUrl: `urn:uuid:${crypto.randomUUID()}`,
      resource: {
        resourceType: 'Appointment',
        status: 'proposed',
        description: 'Follow-up visit',
        start: `${followUp}T09:30:00+05:30`,
        end: `${followUp}T09:45:00+05:30`,
        created: now,
        participant: [
          { actor: subject as Reference<Patient>, status: 'needs-action' },
          ...(practitioner ? [{ actor: practitioner, status: 'accepted' as const }] : []),
          ...(encounter.location?.[0]?.location ? [{ actor: encounter.location[0].location, status: 'accepted' as const }] : []),
        ],
        supportingInformation: [ref(encounter)],
      },
      request: { method: 'POST', url: 'Appointment' },
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
