import type { Patient, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import JsBarcode from 'jsbarcode';

/** What a sample's label carries besides the barcode: enough to match tube and patient at the bedside. */
export interface LabelData {
  accession: string;
  patientName: string;
  uhid: string;
  tests: string[];
  container: string;
  /** The collection time, as a FHIR dateTime (the screen formats it in the user's language). */
  collected?: string;
}

export function patientName(p: Patient | undefined): string {
  const n = p?.name?.[0];
  return n?.text ?? [n?.given?.join(' '), n?.family].filter(Boolean).join(' ') ?? '';
}

/** The hospital number: the identifier typed MR (medical record), as the OPD registers it. */
export function uhidOf(p: Patient | undefined): string {
  return p?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? '';
}

export const testName = (o: ServiceRequest) => o.code?.text ?? o.code?.coding?.[0]?.display ?? '';

export function labelData(specimen: Specimen, patient: Patient | undefined, orders: ServiceRequest[]): LabelData {
  const mine = orders.filter((o) => specimen.request?.some((r) => r.reference === `ServiceRequest/${o.id}`));
  return {
    accession: specimen.accessionIdentifier?.value ?? '',
    patientName: patientName(patient),
    uhid: uhidOf(patient),
    tests: mine.map(testName),
    container: specimen.container?.[0]?.type?.text ?? specimen.type?.text ?? '',
    collected: specimen.collection?.collectedDateTime,
  };
}

/**
 * The Code-128 bar pattern of a value ("1" a bar module, "0" a space), through JsBarcode's object
 * renderer: what the label's SVG draws, checkable without a browser.
 */
export function code128Pattern(value: string): string {
  const out: { encodings?: { data: string }[] } = {};
  JsBarcode(out, value, { format: 'CODE128' });
  return (out.encodings ?? []).map((e) => e.data).join('');
}

/** Draws the barcode into an <svg>: narrow enough for a 50 mm label, with the number printed under it. */
export function drawBarcode(svg: SVGSVGElement, value: string): void {
  JsBarcode(svg, value, { format: 'CODE128', width: 1.4, height: 38, margin: 0, fontSize: 13, textMargin: 1, displayValue: true });
}
