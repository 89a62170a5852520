import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, staffClient } from '../helpers/staff.ts';

// ABHA at the desk (M1) against the local ABHA service: a new ABHA from Aadhaar with the OTP the
// patient reads out, an ABHA address chosen, an ABHA number verified; refusals in our words; the
// Aadhaar number kept nowhere.
const SAVITRI = { aadhaar: '499123456783', mobile: '9822012345' };
const IMRAN = { aadhaar: '734567890125', mobile: '9765432109' };

let t: TestServer;
let gw: AbdmGateway;
let desk: ReturnType<typeof fhirClient>;
let deskB: ReturnType<typeof fhirClient>;

type Part = { name: string; valueString?: string; valueBoolean?: boolean; valueReference?: { reference: string }; resource?: any };
const parts = (body: any, name: string): Part[] => ((body?.parameter ?? []) as Part[]).filter((p) => p.name === name);
const one = (body: any, name: string) => parts(body, name)[0];
const params = (values: Record<string, string>) => ({
  resourceType: 'Parameters',
  parameter: Object.entries(values).map(([name, valueString]) => ({ name, valueString })),
});
const lastOtp = (mobile: string) => gw.abha.sentOtps(mobile).at(-1)?.otp as string;
const wrong = (otp: string) => String((Number(otp) + 1) % 1_000_000).padStart(6, '0');

async function sendOtp(client: typeof desk, values: Record<string, string>) {
  const res = await client.post('Patient/$abha-otp', params(values));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return one(res.body, 'transaction')?.valueString as string;
}

beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1' }],
    residents: [
      {
        ...SAVITRI,
        name: 'Savitri Devi Kulkarni',
        gender: 'F',
        birthDate: '1961-08-14',
        address: '14 Shaniwar Peth',
        district: 'Pune',
        state: 'Maharashtra',
        pincode: '411030',
      },
      { ...IMRAN, name: 'Imran Khan', gender: 'M', birthDate: '1990-01-26', district: 'Lucknow', state: 'Uttar Pradesh' },
    ],
  });
  t = await startTestServer({
    ABDM_GATEWAY_URL: gw.url,
    ABDM_ABHA_URL: `${gw.url}/abha/api`,
    ABDM_CLIENT_ID: 'SBX_HOSPITAL_OPS',
    ABDM_CLIENT_SECRET: 'hip-secret-1',
    ABDM_HIP_ID: 'IN2710000101',
  });
  desk = await staffClient(t, await createStaff(t, TENANT_A, 'receptionist'));
  deskB = await staffClient(t, await createStaff(t, TENANT_B, 'receptionist'));
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await gw?.stop();
});

describe('ABHA at the registration desk', () => {
  let abhaNumber: string;
  let enrolTxn: string;
  let suggestions: string[];

  it('creates an ABHA from Aadhaar with the OTP and answers the KYC-verified patient for the form', async () => {
    const res = await desk.post('Patient/$abha-otp', params({ purpose: 'enrol', aadhaar: '4991 2345 6783' }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(one(res.body, 'mobileEnding')?.valueString).toBe('2345');
    enrolTxn = one(res.body, 'transaction')?.valueString as string;

    // The OTP went to the Aadhaar mobile, and ABDM got the Aadhaar only encrypted.
    const otp = lastOtp(SAVITRI.mobile);
    expect(otp).toMatch(/^\d{6}$/);
    const sent = gw.exchanges({ path: '/abha/api/v3/enrollment/request/otp' }).at(-1)?.body as any;
    expect(JSON.stringify(sent)).not.toContain(SAVITRI.aadhaar);
    expect(sent).toMatchObject({ scope: ['abha-enrol'], loginHint: 'aadhaar', otpSystem: 'aadhaar' });

    const mistaken = await desk.post(
      'Patient/$abha-verify',
      params({ purpose: 'enrol', transaction: enrolTxn, otp: wrong(otp), mobile: '98220 12345' }),
    );
    expect(mistaken.status).toBe(422);
    expect(mistaken.body.issue[0].details.text).toBe('The OTP is not the one sent. Ask the patient to read it again.');

    const verified = await desk.post(
      'Patient/$abha-verify',
      params({ purpose: 'enrol', transaction: enrolTxn, otp, mobile: '98220 12345' }),
    );
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    abhaNumber = gw.abha.abhaFor(SAVITRI.aadhaar) as string;
    expect(abhaNumber).toMatch(/^91\d{12}$/);
    expect(one(verified.body, 'isNew')?.valueBoolean).toBe(true);
    expect(parts(verified.body, 'existing')).toEqual([]);
    const patient = one(verified.body, 'patient')?.resource;
    expect(patient).toMatchObject({
      resourceType: 'Patient',
      name: [{ text: 'Savitri Devi Kulkarni', given: ['Savitri', 'Devi'], family: 'Kulkarni' }],
      gender: 'female',
      birthDate: '1961-08-14',
      telecom: [{ system: 'phone', value: '+919822012345', use: 'mobile' }],
      address: [{ line: ['14 Shaniwar Peth'], district: 'Pune', state: 'Maharashtra', postalCode: '411030', country: 'IN' }],
    });
    expect(patient.identifier).toEqual([expect.objectContaining({ system: 'https://healthid.ndhm.gov.in', value: abhaNumber })]);
    expect(patient.id).toBeUndefined();
    suggestions = parts(verified.body, 'suggestion').map((p) => p.valueString as string);
    expect(suggestions.length).toBeGreaterThan(0);
  });

  it('creates the ABHA address the patient picks, and refuses one already taken', async () => {
    const res = await desk.post('Patient/$abha-address', params({ transaction: enrolTxn, abhaAddress: suggestions[0] }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(one(res.body, 'abhaAddress')?.valueString).toBe(`${suggestions[0]}@sbx`);

    // Imran enrols and asks for Savitri's address.
    const txn = await sendOtp(desk, { purpose: 'enrol', aadhaar: IMRAN.aadhaar });
    const ok = await desk.post(
      'Patient/$abha-verify',
      params({ purpose: 'enrol', transaction: txn, otp: lastOtp(IMRAN.mobile), mobile: IMRAN.mobile }),
    );
    expect(ok.status).toBe(200);
    const taken = await desk.post('Patient/$abha-address', params({ transaction: txn, abhaAddress: `${suggestions[0]}@sbx` }));
    expect(taken.status).toBe(422);
    expect(taken.body.issue[0].details.text).toBe('This ABHA address is taken. Choose another.');
    const badShape = await desk.post('Patient/$abha-address', params({ transaction: txn, abhaAddress: '.x' }));
    expect(badShape.status).toBe(400);
  });

  it('finds the ABHA an Aadhaar already has instead of making a second one', async () => {
    const txn = await sendOtp(desk, { purpose: 'enrol', aadhaar: SAVITRI.aadhaar });
    const again = await desk.post(
      'Patient/$abha-verify',
      params({ purpose: 'enrol', transaction: txn, otp: lastOtp(SAVITRI.mobile), mobile: SAVITRI.mobile }),
    );
    expect(again.status).toBe(200);
    expect(one(again.body, 'isNew')?.valueBoolean).toBe(false);
    const patient = one(again.body, 'patient')?.resource;
    expect(patient.identifier.map((i: any) => i.value)).toEqual([abhaNumber, `${suggestions[0]}@sbx`]);
    expect(parts(again.body, 'suggestion')).toEqual([]);
  });

  it('verifies an ABHA number by OTP and names the patients here who hold it, in this tenant only', async () => {
    const draft = one(
      (
        await desk.post(
          'Patient/$abha-verify',
          params({
            purpose: 'enrol',
            transaction: await sendOtp(desk, { purpose: 'enrol', aadhaar: SAVITRI.aadhaar }),
            otp: lastOtp(SAVITRI.mobile),
            mobile: SAVITRI.mobile,
          }),
        )
      ).body,
      'patient',
    )?.resource;
    const saved = await desk.post('Patient', { ...draft, active: true });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);

    const hyphenated = `${abhaNumber.slice(0, 2)}-${abhaNumber.slice(2, 6)}-${abhaNumber.slice(6, 10)}-${abhaNumber.slice(10)}`;
    const txn = await sendOtp(desk, { purpose: 'verify', abhaNumber: hyphenated });
    const sent = gw.exchanges({ path: '/abha/api/v3/profile/login/request/otp' }).at(-1)?.body as any;
    expect(sent).toMatchObject({ scope: ['abha-login', 'aadhaar-verify'], loginHint: 'abha-number', otpSystem: 'aadhaar' });
    const otp = lastOtp(SAVITRI.mobile);
    const mistaken = await desk.post('Patient/$abha-verify', params({ purpose: 'verify', transaction: txn, otp: wrong(otp) }));
    expect(mistaken.status).toBe(422);
    const res = await desk.post('Patient/$abha-verify', params({ purpose: 'verify', transaction: txn, otp }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(one(res.body, 'patient')?.resource).toMatchObject({ name: [{ text: 'Savitri Devi Kulkarni' }], birthDate: '1961-08-14' });
    expect(parts(res.body, 'existing').map((p) => p.valueReference?.reference)).toEqual([`Patient/${saved.body.id}`]);

    // Tenant B's desk verifies the same ABHA and learns nothing of tenant A's patient.
    const txnB = await sendOtp(deskB, { purpose: 'verify', abhaNumber });
    const resB = await deskB.post('Patient/$abha-verify', params({ purpose: 'verify', transaction: txnB, otp: lastOtp(SAVITRI.mobile) }));
    expect(resB.status).toBe(200);
    expect(parts(resB.body, 'existing')).toEqual([]);
  });

  it('sends the verification OTP to the ABHA mobile when asked (otpSystem abdm)', async () => {
    const txn = await sendOtp(desk, { purpose: 'verify', abhaNumber, otpSystem: 'abdm' });
    const res = await desk.post(
      'Patient/$abha-verify',
      params({ purpose: 'verify', transaction: txn, otp: lastOtp(SAVITRI.mobile), otpSystem: 'abdm' }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('ends a transaction after three wrong OTPs', async () => {
    const txn = await sendOtp(desk, { purpose: 'enrol', aadhaar: IMRAN.aadhaar });
    const otp = lastOtp(IMRAN.mobile);
    const tries = [];
    for (let i = 0; i < 3; i++) {
      tries.push(
        (await desk.post('Patient/$abha-verify', params({ purpose: 'enrol', transaction: txn, otp: wrong(otp), mobile: IMRAN.mobile })))
          .status,
      );
    }
    expect(tries).toEqual([422, 422, 422]);
    const late = await desk.post('Patient/$abha-verify', params({ purpose: 'enrol', transaction: txn, otp, mobile: IMRAN.mobile }));
    expect(late.status).toBe(422);
    expect(late.body.issue[0].details.text).toBe('This OTP has expired or was tried too many times. Send a new one.');
  });

  it('refuses bad input in its own words', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ purpose: 'enrol', aadhaar: '12345' }, 400, 'An Aadhaar number is 12 digits and does not start with 0 or 1.'],
      [{ purpose: 'enrol', aadhaar: '287612345094' }, 422, 'UIDAI does not know this Aadhaar number. Check it against the card.'],
      [
        { purpose: 'verify', abhaNumber: '91-0000-0000-0000' },
        422,
        'No ABHA is registered with this number. Check it, or create an ABHA with Aadhaar.',
      ],
      [{ purpose: 'verify', abhaNumber: '123' }, 400, 'An ABHA number is 14 digits.'],
      [{ purpose: 'link' }, 400, 'purpose must be enrol (a new ABHA from Aadhaar) or verify.'],
    ];
    for (const [values, status, text] of cases) {
      const res = await desk.post('Patient/$abha-otp', params(values));
      expect([res.status, res.body.issue?.[0]?.details?.text], JSON.stringify(values)).toEqual([status, text]);
    }
    const inAddress = await desk.post(`Patient/$abha-otp?aadhaar=${SAVITRI.aadhaar}`, params({ purpose: 'enrol' }));
    expect(inAddress.status).toBe(400);
    expect(inAddress.body.issue[0].details.text).toBe('Send aadhaar in the request body, never in the address.');
  });

  it('is for staff who register patients', async () => {
    const lab = await staffClient(t, await createStaff(t, TENANT_A, 'lab_tech'));
    const res = await lab.post('Patient/$abha-otp', params({ purpose: 'enrol', aadhaar: SAVITRI.aadhaar }));
    expect(res.status).toBe(403);
  });

  it('keeps the Aadhaar number nowhere in the database, and audits each verification', async () => {
    // The audit first: the scan below keeps the embedded database (and so the server) busy a while.
    const audit = await fhirClient(t.base, TENANT_A).get('AuditEvent?_count=200&_sort=-date');
    const details = (audit.body.entry ?? []).map((e: any) => e.resource.outcomeDesc as string);
    expect(details).toContain(`ABHA created from Aadhaar OTP: ${abhaNumber}.`);
    expect(details).toContain(`ABHA ${abhaNumber} verified by OTP.`);

    const found = await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
      const tables = await sql.query<{ name: string }>(
        'SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema()',
      );
      const hits: string[] = [];
      const readable: string[] = [];
      for (const { name } of tables.rows) {
        // Tables the server's role may not read (schema bookkeeping) are skipped, each in a savepoint.
        await sql.query('SAVEPOINT scan');
        try {
          const r = await sql.query(`SELECT 1 FROM ${name} x WHERE x::text LIKE $1 OR x::text LIKE $2 LIMIT 1`, [
            `%${SAVITRI.aadhaar}%`,
            `%${IMRAN.aadhaar}%`,
          ]);
          if (r.rows.length) hits.push(name);
          readable.push(name);
          await sql.query('RELEASE SAVEPOINT scan');
        } catch {
          await sql.query('ROLLBACK TO SAVEPOINT scan');
        }
      }
      return { hits, tables: readable };
    });
    // Every table the server's own role can read, which is where anything it stored would be.
    expect(found.tables).toEqual(expect.arrayContaining(['"Patient"', '"Patient_History"', 'audit_log']));
    expect(found.tables.length).toBeGreaterThan(50);
    expect(found.hits).toEqual([]);
  });
});
