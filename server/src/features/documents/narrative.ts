import type { CodeableConcept, Narrative, Quantity, Resource } from '@medplum/fhirtypes';

/** A short human label for a resource: what a section entry's `display` and the section narrative show. */

function concept(cc: CodeableConcept | undefined): string | undefined {
  return cc?.text ?? cc?.coding?.find((c) => c.display)?.display ?? cc?.coding?.[0]?.code;
}

function quantity(q: Quantity | undefined): string | undefined {
  if (q?.value === undefined) return undefined;
  return [q.value, q.unit ?? q.code].filter((x) => x !== undefined).join(' ');
}

function money(m: { value?: number; currency?: string } | undefined): string | undefined {
  return m?.value === undefined ? undefined : `${m.currency ?? ''} ${m.value.toFixed(2)}`.trim();
}

function observationValue(o: Record<string, unknown>): string | undefined {
  if (o.valueQuantity) return quantity(o.valueQuantity as Quantity);
  if (o.valueCodeableConcept) return concept(o.valueCodeableConcept as CodeableConcept);
  for (const key of ['valueString', 'valueInteger', 'valueBoolean', 'valueDateTime', 'valueTime']) {
    if (o[key] !== undefined) return String(o[key]);
  }
  const components = (o.component as Record<string, unknown>[] | undefined)
    ?.map((c) => {
      const value = observationValue(c);
      const name = concept(c.code as CodeableConcept);
      return value ? `${name ?? ''} ${value}`.trim() : undefined;
    })
    .filter(Boolean);
  return components?.length ? components.join(', ') : undefined;
}

export function label(resource: Resource): string | undefined {
  const r = resource as Record<string, unknown> & Resource;
  switch (resource.resourceType) {
    case 'Observation': {
      const name = concept(r.code as CodeableConcept);
      const value = observationValue(r);
      return value ? `${name}: ${value}` : name;
    }
    case 'MedicationRequest':
    case 'MedicationStatement': {
      const name = concept(r.medicationCodeableConcept as CodeableConcept) ?? (r.medicationReference as { display?: string })?.display;
      const dosage = ((r.dosageInstruction ?? r.dosage) as { text?: string }[] | undefined)?.[0]?.text;
      return dosage ? `${name}, ${dosage}` : name;
    }
    case 'Immunization':
      return concept(r.vaccineCode as CodeableConcept);
    case 'ImmunizationRecommendation':
      return concept((r.recommendation as { vaccineCode?: CodeableConcept[] }[] | undefined)?.[0]?.vaccineCode?.[0]);
    case 'FamilyMemberHistory': {
      const conditions = (r.condition as { code?: CodeableConcept }[] | undefined)?.map((c) => concept(c.code)).filter(Boolean);
      return [concept(r.relationship as CodeableConcept), conditions?.join(', ')].filter(Boolean).join(': ');
    }
    case 'CarePlan':
      return (
        (r.title as string | undefined) ??
        (r.description as string | undefined) ??
        concept((r.category as CodeableConcept[] | undefined)?.[0])
      );
    case 'DocumentReference':
      return (
        (r.description as string | undefined) ??
        (r.content as { attachment?: { title?: string } }[] | undefined)?.[0]?.attachment?.title ??
        concept(r.type as CodeableConcept)
      );
    case 'Appointment': {
      const what = (r.description as string | undefined) ?? concept((r.appointmentType as CodeableConcept) ?? undefined);
      return [what, r.start as string | undefined].filter(Boolean).join(', ');
    }
    case 'Invoice': {
      const id = (r.identifier as { value?: string }[] | undefined)?.[0]?.value;
      const total = money(r.totalGross as { value?: number; currency?: string } | undefined);
      return [id ? `Invoice ${id}` : 'Invoice', total].filter(Boolean).join(', ');
    }
    case 'Binary':
      return r.contentType as string | undefined;
    default:
      return concept(r.code as CodeableConcept | undefined);
  }
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** A generated narrative listing a section's entries, so a reader without FHIR tooling sees what it holds. */
export function sectionNarrative(resources: Resource[]): Narrative {
  const items = resources.map((r) => `<li>${escapeXml(label(r) ?? r.resourceType)}</li>`).join('');
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><ul>${items}</ul></div>` };
}
