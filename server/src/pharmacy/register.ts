import { allOk, badRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Parameters } from '@medplum/fhirtypes';
import type { Sql } from '../db/database.ts';
import { fail } from '../opd/fhir.ts';
import type { PostgresRepository } from '../repo/postgres-repository.ts';
import { requireAccess } from './common.ts';
import { Params } from './input.ts';

/**
 * The Schedule H1 and X registers (Drugs and Cosmetics Rules, 1945): a line per dispensed batch,
 * written in the dispense's transaction, never changed. `GET $drug-register?schedule=H1&from=&to=`
 * reads them back in order for printing (dates are IST calendar days, inclusive).
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

export const registerHandler = (req: FhirRequest, repo: unknown) => readRegister(req, repo as PostgresRepository);
