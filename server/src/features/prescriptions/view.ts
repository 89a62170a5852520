import type {
  Address,
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  ContactPoint,
  Extension,
  HumanName,
  Identifier,
  MedicationRequest,
  Observation,
  Organization,
  Patient,
  Practitioner,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { BRAND_EXTENSION } from '../../terminology/formulary.ts';
import { type DosageView, dosageView, restatesColumns } from './dosage.ts';
import { age, formatAbhaNumber, formatDateTime, formatPhone, formatQuantity, unitOf } from './format.ts';
import type { Gathered } from './gather.ts';
import { type Bilingual, GENDER, VITALS } from './labels.ts';

/**
 * What the printed prescription says, as plain strings: the FHIR-to-paper decisions live here,
 * the drawing in render.ts.
 */

/** Text for the patient: in their language when a translation is recorded, with what was written. */
export interface Localized {
  text: string;
  /** The text as recorded, when `text` is a translation of it. */
  original?: string;
}

export interface MedicineRow extends DosageView {
  name: string;
  /** Generic name, brands, route: what identifies the product beyond its name. */
  detail?: string;
  instruction?: Localized;
}

export interface PrescriptionView {
  clinic: { name?: string; parents: string[]; address: string[]; contact?: string; ids?: string };
  doctor: {
    name: string;
    qualifications?: string;
    registration?: string;
    council?: string;
    signature?: Buffer;
  };
  patient: {
    name: string;
    ageSex?: string;
    uhid?: string;
    abhaNumber?: string;
    abhaAddress?: string;
    phone?: string;
    /** What the patient is allergic to, as the pharmacist must see it ("Penicillin (severe)"). */
    allergies: string[];
  };
  visit: { when?: string; number?: string };
  vitals: { label: Bilingual; value: string }[];
  complaints: string[];
  diagnoses: string[];
  medicines: MedicineRow[];
  investigations: { text: string; instruction?: Localized }[];
  referrals: string[];
  advice: Localized[];
  followUp: { when?: string; note?: string }[];
  generatedAt: string;
}

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';
const ICD10 = /^http:\/\/hl7\.org\/fhir\/sid\/icd-10/;
const SNOMED = 'http://snomed.info/sct';
/** SNOMED CT |Patient referral| and |Referral to service|: such a ServiceRequest is a referral, not a test. */
const REFERRAL_CODES = ['3457005', '306206005'];
const ORAL_ROUTE = '26643006';

/** Languages written in a script the embedded fonts draw (Devanagari or Latin). */
const PRINTABLE = /^(hi|mr|ne|sa|kok|mai|bho|doi|brx|en)(-|$)/i;

export function textOf(cc: CodeableConcept | undefined): string | undefined {
  return cc?.text ?? cc?.coding?.find((c) => c.display)?.display ?? cc?.coding?.find((c) => c.code)?.code;
}

const hasCode = (cc: CodeableConcept | CodeableConcept[] | undefined, system: string, codes: string[]) =>
  (Array.isArray(cc) ? cc : cc ? [cc] : []).some((c) => c.coding?.some((x) => x.system === system && codes.includes(x.code ?? '')));

const typeIs = (id: Identifier, code: string) =>
  Boolean(id.type?.coding?.some((c) => c.code === code && (!c.system || c.system === V2_0203)));

function nameOf(names: HumanName[] | undefined, withPrefix: boolean): string | undefined {
  const n = names?.find((x) => x.use === 'official') ?? names?.[0];
  if (!n) return undefined;
  const prefix = withPrefix ? (n.prefix ?? []).join(' ') : '';
  const built = n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
  return prefix && !built.startsWith(prefix) ? `${prefix} ${built}` : built;
}

function phoneOf(telecom: ContactPoint[] | undefined): string | undefined {
  const phones = (telecom ?? []).filter((t) => t.system === 'phone' && t.value);
  return (phones.find((t) => t.use === 'mobile') ?? phones[0])?.value;
}

function addressLines(a: Address | undefined): string[] {
  if (!a) return [];
  const street = (a.line ?? []).join(', ');
  const place = [a.city, a.district !== a.city ? a.district : undefined, a.state].filter(Boolean).join(', ');
  return [street, [place, a.postalCode].filter(Boolean).join(' ')].filter(Boolean);
}

/** The patient's preferred language (BCP 47), else their first listed one. */
function languageOf(patient: Patient): string | undefined {
  const c = patient.communication?.find((x) => x.preferred) ?? patient.communication?.[0];
  return c?.language?.coding?.find((x) => x.code)?.code;
}

/**
 * A string element in the patient's language. Translations are the FHIR translation extension on
 * the primitive (`_patientInstruction`). Preferred language if printable, else Hindi (the
 * prescription's second language); with no translation, the text as written.
 */
export function localize(text: string | undefined, primitive: unknown, language: string | undefined): Localized | undefined {
  const extensions = ((primitive as { extension?: Extension[] } | undefined)?.extension ?? []).filter((e) => e.url === TRANSLATION);
  const translations = extensions.map((e) => ({
    lang: e.extension?.find((x) => x.url === 'lang')?.valueCode ?? '',
    content: e.extension?.find((x) => x.url === 'content')?.valueString ?? '',
  }));
  const wanted = language && PRINTABLE.test(language) ? language : 'hi';
  const primary = (l: string) => l.toLowerCase().split('-')[0];
  const found =
    translations.find((t) => t.content && t.lang.toLowerCase() === wanted.toLowerCase()) ??
    translations.find((t) => t.content && primary(t.lang) === primary(wanted));
  if (found && found.content !== text) return { text: found.content, original: text };
  if (text) return { text };
  // Only translations recorded: the wanted one, else any.
  const any = translations.find((t) => t.content);
  return any ? { text: any.content } : undefined;
}

/** The `_element` sibling holding a primitive's extensions (its translations). */
function primitiveOf(owner: object | undefined, element: string): unknown {
  return (owner as Record<string, unknown> | undefined)?.[`_${element}`];
}

function vitalKey(o: Observation): string | undefined {
  const loinc = (o.code.coding ?? []).filter((c) => c.system === 'http://loinc.org').map((c) => c.code ?? '');
  const is = (...codes: string[]) => loinc.some((c) => codes.includes(c));
  if (is('85354-9', '55284-4', '35094-2')) return 'bp';
  if (is('8867-4', '8889-8')) return 'pulse';
  if (is('8310-5', '61008-9', '8331-1', '8332-9', '8328-7')) return 'temperature';
  if (is('2708-6', '59408-5', '59417-6', '20564-1')) return 'spo2';
  if (is('9279-1')) return 'respiration';
  if (is('29463-7', '3141-9')) return 'weight';
  if (is('8302-2', '8306-3')) return 'height';
  if (is('39156-5')) return 'bmi';
  if (is('2339-0', '2345-7', '41653-7')) return 'glucose';
  return undefined;
}

function observationValue(o: Observation): string | undefined {
  const systolic = o.component?.find((c) => c.code.coding?.some((x) => x.code === '8480-6'))?.valueQuantity;
  const diastolic = o.component?.find((c) => c.code.coding?.some((x) => x.code === '8462-4'))?.valueQuantity;
  if (systolic?.value !== undefined && diastolic?.value !== undefined) {
    return `${systolic.value}/${diastolic.value} ${unitOf(diastolic)}`.trim();
  }
  return (
    formatQuantity(o.valueQuantity) ??
    o.valueString ??
    textOf(o.valueCodeableConcept) ??
    (o.valueInteger !== undefined ? String(o.valueInteger) : undefined) ??
    (o.component ?? [])
      .map((c) => formatQuantity(c.valueQuantity))
      .filter(Boolean)
      .join(', ')
  );
}

const VITAL_ORDER = Object.keys(VITALS);

/** The latest value of each vital sign, in the order a clinician reads them. */
function vitalsOf(observations: Observation[]): PrescriptionView['vitals'] {
  const when = (o: Observation) => o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued ?? '';
  const latest = new Map<string, { label: Bilingual; value: string }>();
  for (const o of [...observations].sort((a, b) => when(a).localeCompare(when(b)))) {
    if (o.status === 'cancelled') continue;
    const value = observationValue(o);
    if (!value) continue;
    const key = vitalKey(o);
    const label = key ? VITALS[key] : { en: textOf(o.code) ?? 'Observation' };
    latest.set(key ?? `other:${label.en}`, { label, value });
  }
  const rank = (k: string) => (VITAL_ORDER.includes(k) ? VITAL_ORDER.indexOf(k) : VITAL_ORDER.length);
  return [...latest.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([, v]) => v);
}

function conditionText(c: Condition): string | undefined {
  const text = textOf(c.code);
  if (!text) return undefined;
  const icd = c.code?.coding?.find((x) => x.system && ICD10.test(x.system) && x.code)?.code;
  const status = c.verificationStatus?.coding?.find((x) => x.code === 'provisional' || x.code === 'differential')?.code;
  return `${text}${icd && !text.includes(icd) ? ` (${icd})` : ''}${status ? ` - ${status}` : ''}`;
}

/** Diagnoses: what Encounter.diagnosis names, or categorised as diagnoses; the rest are complaints. */
function conditionsOf(g: Gathered): { complaints: string[]; diagnoses: string[] } {
  const named = new Set((g.encounter.diagnosis ?? []).map((d) => d.condition.reference));
  const complaints = (g.encounter.reasonCode ?? []).map(textOf).filter((x): x is string => Boolean(x));
  const diagnoses: string[] = [];
  for (const c of g.conditions) {
    if (c.verificationStatus?.coding?.some((x) => x.code === 'refuted')) continue;
    const text = conditionText(c);
    if (!text) continue;
    const isDiagnosis =
      named.has(`Condition/${c.id}`) ||
      (c.category ?? []).some((cat) => cat.coding?.some((x) => x.code === 'encounter-diagnosis' || x.code === 'problem-list-item'));
    (isDiagnosis ? diagnoses : complaints).push(text);
  }
  return { complaints: [...new Set(complaints)], diagnoses: [...new Set(diagnoses)] };
}

function medicineOf(g: Gathered, request: MedicationRequest, language: string | undefined): MedicineRow {
  const medication = request.medicationReference?.reference ? g.medications.get(request.medicationReference.reference) : undefined;
  const generic = textOf(medication?.code);
  const name = textOf(request.medicationCodeableConcept) ?? request.medicationReference?.display ?? generic ?? 'Medicine';
  const brands = (medication?.extension ?? []).filter((e) => e.url === BRAND_EXTENSION && e.valueString).map((e) => e.valueString);
  const dosage = request.dosageInstruction?.[0];
  const route = dosage?.route && !hasCode(dosage.route, SNOMED, [ORAL_ROUTE]) ? textOf(dosage.route) : undefined;
  const detail = [
    generic && generic !== name ? generic : undefined,
    brands.length ? `Brand: ${brands.join(', ')}` : undefined,
    route && !/oral/i.test(route) ? `Route: ${route}` : undefined,
  ].filter(Boolean);
  const view = dosageView(request);
  const notes = (request.note ?? []).map((n) => n.text).filter(Boolean);
  return {
    ...view,
    text: [view.text, ...notes].filter(Boolean).join('; ') || undefined,
    name,
    detail: detail.join(' · ') || undefined,
    instruction: instructionOf(dosage?.patientInstruction, primitiveOf(dosage, 'patientInstruction'), language),
  };
}

/**
 * The patient's instruction, unless it only restates the dosage columns (printed once is enough).
 * Judged per language: a translation that restates while the text as written says more leaves the
 * written text alone, and the other way round.
 */
function instructionOf(text: string | undefined, primitive: unknown, language: string | undefined): Localized | undefined {
  const local = localize(text, primitive, language);
  if (!local) return undefined;
  const says = (line: string | undefined) => (line && !restatesColumns(line) ? line : undefined);
  const [main, original] = [says(local.text), says(local.original)];
  if (main) return { text: main, ...(original ? { original } : {}) };
  return original ? { text: original } : undefined;
}

function allergyText(a: AllergyIntolerance): string | undefined {
  const what = textOf(a.code);
  if (!what) return undefined;
  const severe = a.criticality === 'high' || a.reaction?.some((r) => r.severity === 'severe');
  const reactions = [...new Set((a.reaction ?? []).flatMap((r) => (r.manifestation ?? []).map(textOf)).filter(Boolean))];
  const details = [severe ? 'severe' : undefined, ...reactions].filter(Boolean);
  return details.length ? `${what} (${details.join(', ')})` : what;
}

const isReferral = (s: ServiceRequest) => hasCode(s.category, SNOMED, REFERRAL_CODES) || hasCode(s.code, SNOMED, REFERRAL_CODES);

function clinicOf(org: Organization | undefined, parents: Organization[], fallback: string | undefined): PrescriptionView['clinic'] {
  const email = org?.telecom?.find((t) => t.system === 'email')?.value;
  const phone = formatPhone(phoneOf(org?.telecom));
  const hfr = org?.identifier?.find((i) => /facility\.(ndhm|abdm)\.gov\.in/.test(i.system ?? ''))?.value;
  return {
    name: org?.name ?? fallback,
    parents: parents.map((p) => p.name).filter((n): n is string => Boolean(n)),
    address: addressLines(org?.address?.[0]),
    contact: [phone ? `Phone: ${phone}` : undefined, email].filter(Boolean).join('  ·  ') || undefined,
    ids: hfr ? `HFR ID: ${hfr}` : undefined,
  };
}

function doctorOf(p: Practitioner): PrescriptionView['doctor'] {
  const registration = p.identifier?.find((i) => typeIs(i, 'MD') && i.value);
  const signature = p.photo?.find((a) => (a.contentType === 'image/png' || a.contentType === 'image/jpeg') && a.data);
  return {
    name: nameOf(p.name, true) ?? 'Doctor',
    qualifications:
      (p.qualification ?? [])
        .map((q) => textOf(q.code))
        .filter(Boolean)
        .join(', ') || undefined,
    registration: registration?.value,
    council: registration?.assigner?.display,
    signature: signature?.data ? Buffer.from(signature.data, 'base64') : undefined,
  };
}

function patientOf(p: Patient, on: Date, allergies: AllergyIntolerance[]): PrescriptionView['patient'] {
  const ids = p.identifier ?? [];
  const abha = ids.filter((i) => i.value && (/healthid|abdm|ndhm/.test(i.system ?? '') || typeIs(i, 'HIN') || typeIs(i, 'ABHA')));
  // ABHA number: 14 digits (often grouped 2-4-4-4); ABHA address: name@abdm. Told apart by form, as systems vary.
  const isNumber = (v: string) => /^\d{2}-?\d{4}-?\d{4}-?\d{4}$/.test(v);
  return {
    name: nameOf(p.name, false) ?? 'Unnamed patient',
    ageSex: [age(p.birthDate, on), p.gender ? GENDER[p.gender] : undefined].filter(Boolean).join(' / ') || undefined,
    uhid: ids.find((i) => typeIs(i, 'MR') && i.value)?.value,
    abhaNumber: formatAbhaNumber(abha.find((i) => isNumber(i.value as string))?.value),
    abhaAddress: abha.find((i) => (i.value as string).includes('@'))?.value,
    phone: formatPhone(phoneOf(p.telecom)),
    allergies: [...new Set(allergies.map(allergyText).filter((x): x is string => !!x))],
  };
}

export function buildView(g: Gathered, now: Date): PrescriptionView {
  const language = languageOf(g.patient);
  const visitStart = g.encounter.period?.start ?? g.medicationRequests.find((m) => m.authoredOn)?.authoredOn;
  const followUp: PrescriptionView['followUp'] = [...g.appointments]
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''))
    .map((a) => ({
      when: formatDateTime(a.start ?? a.requestedPeriod?.[0]?.start),
      note: a.description ?? textOf(a.appointmentType) ?? textOf(a.serviceType?.[0]),
    }));
  const advice: Localized[] = [];
  for (const plan of g.carePlans) {
    const own = localize(plan.description ?? plan.title, primitiveOf(plan, 'description'), language);
    if (own) advice.push(own);
    for (const activity of plan.activity ?? []) {
      const d = activity.detail;
      if (!d) continue;
      // A planned visit ("review after 7 days") is a follow-up, not advice.
      if (d.kind === 'Appointment') {
        followUp.push({ when: formatDateTime(d.scheduledPeriod?.start) ?? d.scheduledString, note: d.description ?? textOf(d.code) });
        continue;
      }
      const text = localize(d.description ?? textOf(d.code), primitiveOf(d, 'description'), language);
      if (text) advice.push(text);
    }
    for (const note of plan.note ?? []) if (note.text) advice.push({ text: note.text });
  }
  for (const note of g.adviceNotes) {
    const text = localize(note.valueString, primitiveOf(note, 'valueString'), language);
    if (text) advice.push(text);
  }
  return {
    clinic: clinicOf(g.organization, g.parents, g.encounter.serviceProvider?.display),
    doctor: doctorOf(g.doctor),
    patient: patientOf(g.patient, visitStart ? new Date(visitStart) : now, g.allergies),
    visit: { when: formatDateTime(visitStart), number: g.encounter.identifier?.find((i) => i.value)?.value },
    vitals: vitalsOf(g.observations),
    ...conditionsOf(g),
    medicines: g.medicationRequests.map((m) => medicineOf(g, m, language)),
    investigations: g.serviceRequests
      .filter((s) => !isReferral(s))
      .map((s) => ({
        text: textOf(s.code) ?? 'Investigation',
        instruction: localize(s.patientInstruction, primitiveOf(s, 'patientInstruction'), language),
      })),
    referrals: g.serviceRequests.filter(isReferral).map((s) => {
      const to = s.performer?.map((p) => p.display).filter(Boolean);
      return `${textOf(s.code) ?? 'Referral'}${to?.length ? ` (${to.join(', ')})` : ''}`;
    }),
    advice,
    followUp: followUp.filter((f) => f.when || f.note),
    generatedAt: formatDateTime(now) ?? '',
  };
}
