import type { MedplumClient } from '@medplum/core';

/** Fetches the bilingual prescription PDF with the session's token and opens it in a new tab for printing. */
export async function openPrescriptionPdf(medplum: MedplumClient, encounterId: string): Promise<void> {
  // Open the tab first: browsers only allow pop-ups in the click's own turn.
  const tab = window.open('', '_blank');
  const blob = await medplum.download(medplum.fhirUrl('Encounter', encounterId, '$prescription-pdf'), {
    headers: { accept: 'application/pdf' },
  });
  const url = URL.createObjectURL(blob);
  if (tab) tab.location.href = url;
  else window.location.assign(url);
}

/** Builds the ABDM record (a FHIR document Bundle) for the visit and saves it as a JSON file. */
export async function saveAbdmRecord(
  medplum: MedplumClient,
  encounterId: string,
  type: 'OPConsultRecord' | 'PrescriptionRecord',
): Promise<void> {
  const bundle = await medplum.get(`${medplum.fhirUrl('Encounter', encounterId, '$abdm-document')}?type=${type}`, { cache: 'no-cache' });
  const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${type}-${encounterId}.json`;
  a.click();
  URL.revokeObjectURL(url);
}
