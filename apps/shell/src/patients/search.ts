/** ABHA identifier namespaces, as the ABDM IG and the seed write them. */
export const ABHA_NUMBER_SYSTEM = 'https://healthid.ndhm.gov.in';
export const ABHA_ADDRESS_SYSTEM = 'https://healthid.ndhm.gov.in/health-id';

export type PatientQuery = Record<string, string>;

/**
 * What the desk typed, as FHIR searches whose results are put together (FHIR has no OR across
 * parameters). A 14-digit number is an ABHA number, `x@abdm` an ABHA address, a 10-digit mobile
 * (with or without +91/0) a phone. Anything else shaped like an identifier (one word of letters,
 * digits and dashes with at least one digit: UHIDs such as SH-PUN-001005 or OPD-261205-GSI7UB) is
 * looked up as an identifier of any system, as typed and upper-cased, and as a name too.
 * Names are matched by prefix or, for typos, by the server's `:fuzzy` trigram search.
 */
export function patientQueries(input: string): PatientQuery[] | undefined {
  const q = input.trim();
  if (q.length < 2) return undefined;
  const digits = q.replace(/[\s\-+()]/g, '');
  if (/^\d{14}$/.test(digits)) return [{ identifier: `${ABHA_NUMBER_SYSTEM}|${digits}` }, { identifier: q }];
  if (/^[\w.]+@(abdm|sbx)$/i.test(q)) return [{ identifier: `${ABHA_ADDRESS_SYSTEM}|${q.toLowerCase()}` }];
  const mobile = /^(?:91|0)?([6-9]\d{9})$/.exec(digits);
  if (mobile) return [{ phone: `+91${mobile[1]}` }];
  if (/^\d+$/.test(digits)) return [{ identifier: digits }];
  if (/^[A-Za-z0-9][A-Za-z0-9/-]*$/.test(q) && /\d/.test(q)) {
    const values = [...new Set([q, q.toUpperCase()])].join(',');
    return [{ identifier: values }, { 'name:fuzzy': q }];
  }
  return [{ 'name:fuzzy': q }];
}

/** The kind of thing typed, for carrying it into a new registration. */
export function searchKind(input: string): 'phone' | 'identifier' | 'name' | undefined {
  const queries = patientQueries(input);
  if (!queries) return undefined;
  if (queries[0].phone) return 'phone';
  return queries.some((x) => x.identifier) ? 'identifier' : 'name';
}
