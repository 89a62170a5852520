import { allOk, badRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Binary, Parameters } from '@medplum/fhirtypes';
import type { Sql } from '../../db/database.ts';
import { binaryFilenames } from '../../http/fhir-handler.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail } from '../opd/fhir.ts';
import { requireAccess } from './common.ts';
import { Params } from './input.ts';

/**
 * The Schedule H1 and X registers (Drugs and Cosmetics Rules, 1945): a line per dispensed batch,
 * written in the dispense's transaction, never changed. `GET $drug-register?schedule=H1&from=&to=`
 * reads them back in order (dates are IST calendar days, inclusive); `format=html` answers the
 * page to print, in English and Hindi.
 */

export interface RegisterLine {
  schedule: 'H1' | 'X';
  dispenseId: string;
  store: string;
  medicationId: string;
  itemDisplay: string;
  lot: string;
  qty: number;
  patient: string;
  patientName: string;
  prescriber: string;
  prescriberName: string;
  prescription: string;
}

export async function writeRegister(sql: Sql, l: RegisterLine): Promise<void> {
  await sql.query(
    `INSERT INTO pharmacy_register (tenant_id, schedule, dispense_id, store_id, medication_id, item_display, lot, qty, patient, patient_name,
       prescriber, prescriber_name, prescription)
     VALUES (app_current_tenant(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      l.schedule,
      l.dispenseId,
      l.store,
      l.medicationId,
      l.itemDisplay,
      l.lot,
      l.qty,
      l.patient,
      l.patientName,
      l.prescriber,
      l.prescriberName,
      l.prescription,
    ],
  );
}

interface Row {
  seq: string | number;
  at: string;
  schedule: string;
  dispense_id: string;
  store_id: string;
  item_display: string;
  lot: string;
  qty: number;
  patient: string;
  patient_name: string;
  prescriber: string;
  prescriber_name: string;
  prescription: string;
}

async function readRegister(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'MedicationDispense', 's');
  const input = new Params(req.body, req.query as Record<string, string>);
  const schedule = (input.string('schedule') ?? 'H1').toUpperCase();
  if (schedule !== 'H1' && schedule !== 'X') fail(badRequest('Parameter schedule must be H1 or X', 'schedule'));
  const from = input.date('from') ?? '1900-01-01';
  const to = input.date('to') ?? '9999-12-31';
  const rows = await repo.query((sql) =>
    sql.query<Row>(
      `SELECT seq, to_char(at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD"T"HH24:MI:SS"+05:30"') AS at, schedule, dispense_id, store_id, item_display,
              lot, qty, patient, patient_name, prescriber, prescriber_name, prescription
         FROM pharmacy_register
        WHERE schedule = $1 AND (at AT TIME ZONE 'Asia/Kolkata')::date BETWEEN $2::date AND $3::date
        ORDER BY seq LIMIT 5000`,
      [schedule, from, to],
    ),
  );
  if ((input.string('format') ?? 'json') === 'html') return [allOk, printable(schedule, from, to, rows.rows)];
  const out: Parameters = {
    resourceType: 'Parameters',
    parameter: rows.rows.map((r) => ({
      name: 'entry',
      part: [
        { name: 'serial', valueInteger: Number(r.seq) },
        { name: 'date', valueDateTime: r.at },
        { name: 'schedule', valueCode: r.schedule },
        { name: 'patient', valueReference: { reference: r.patient, display: r.patient_name } },
        { name: 'prescriber', valueReference: { reference: r.prescriber, display: r.prescriber_name } },
        { name: 'prescription', valueReference: { reference: r.prescription } },
        { name: 'dispense', valueReference: { reference: `MedicationDispense/${r.dispense_id}` } },
        { name: 'store', valueReference: { reference: `Location/${r.store_id}` } },
        { name: 'medication', valueString: r.item_display },
        { name: 'batch', valueString: r.lot },
        { name: 'quantity', valueInteger: r.qty },
      ],
    })),
  };
  return [allOk, out];
}

const escapeHtml = (v: unknown) =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
/** 2026-12-07T10:15:00+05:30 as 07/12/2026 10:15 (the register's IST clock). */
const istText = (at: string) => `${at.slice(8, 10)}/${at.slice(5, 7)}/${at.slice(0, 4)} ${at.slice(11, 16)}`;

/** The register as a page to print: English and Hindi headings, one row per line, in serial order. */
function printable(schedule: string, from: string, to: string, rows: Row[]): Binary {
  const head = [
    ['S. No.', 'क्रम सं.'],
    ['Date', 'दिनांक'],
    ['Patient', 'रोगी'],
    ['Prescriber', 'चिकित्सक'],
    ['Medicine', 'औषधि'],
    ['Batch', 'बैच'],
    ['Quantity', 'मात्रा'],
  ];
  const body = rows
    .map((r) =>
      [r.seq, istText(r.at), r.patient_name, r.prescriber_name, r.item_display, r.lot, r.qty]
        .map((v) => `<td>${escapeHtml(v)}</td>`)
        .join(''),
    )
    .map((cells) => `<tr>${cells}</tr>`)
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Schedule ${schedule} register</title></head>
<body>
<h1>Schedule ${schedule} register / अनुसूची ${schedule} रजिस्टर</h1>
<p>${from === '1900-01-01' ? '' : `From ${escapeHtml(from)} `}${to === '9999-12-31' ? '' : `to ${escapeHtml(to)}`}</p>
<table border="1" cellpadding="4" cellspacing="0">
<thead><tr>${head.map(([en, hi]) => `<th>${en}<br>${hi}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
</body></html>
`;
  const binary: Binary = { resourceType: 'Binary', contentType: 'text/html', data: Buffer.from(html).toString('base64') };
  binaryFilenames.set(binary, `schedule-${schedule.toLowerCase()}-register.html`);
  return binary;
}

export const registerHandler = (req: FhirRequest, repo: unknown) => readRegister(req, repo as PostgresRepository);
