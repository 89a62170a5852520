import type { MedplumClient } from '@medplum/core';

/** Fetches a lab report's PDF (docs/lab.md, "Report PDF") with the session's token and opens it in a new tab. */
export async function openLabReportPdf(medplum: MedplumClient, reportId: string): Promise<void> {
  // Open the tab first: browsers only allow pop-ups in the click's own turn.
  const tab = window.open('', '_blank');
  const blob = await medplum.download(medplum.fhirUrl('DiagnosticReport', reportId, '$lab-report-pdf').toString(), {
    cache: 'no-cache',
    headers: { accept: 'application/pdf' },
  });
  const url = URL.createObjectURL(blob);
  if (tab) tab.location.href = url;
  else window.location.assign(url);
}
