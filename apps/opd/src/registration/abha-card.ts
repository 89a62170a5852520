import type { PatientForm } from '../fhir/patient.ts';

/**
 * The QR code on an ABHA card (and in the ABHA app's profile) holds the account as JSON:
 * `hidn` the ABHA number, `hid` the ABHA address, `name`, `gender` (M/F/O/T), `dob` as d/M/yyyy,
 * `address`, and the state and district as LGD codes (`statelgd`, `distlgd`), newer cards also
 * `state_name`, `district_name` and `mobile`. A desk's QR scanner types it into a field like a
 * keyboard; this reads it into the registration form's fields. Anything else is not an ABHA card.
 */
export interface AbhaCardFields {
  form: Partial<PatientForm>;
  /** The birth date as the form's DD/MM/YYYY field shows it. */
  dobText?: string;
}

/** State names by LGD (Census 2011) state code, as the registration form lists them. */
const STATE_BY_LGD: Record<string, string> = {
  '1': 'Jammu and Kashmir',
  '2': 'Himachal Pradesh',
  '3': 'Punjab',
  '4': 'Chandigarh',
  '5': 'Uttarakhand',
  '6': 'Haryana',
  '7': 'Delhi',
  '8': 'Rajasthan',
  '9': 'Uttar Pradesh',
  '10': 'Bihar',
  '11': 'Sikkim',
  '12': 'Arunachal Pradesh',
  '13': 'Nagaland',
  '14': 'Manipur',
  '15': 'Mizoram',
  '16': 'Tripura',
  '17': 'Meghalaya',
  '18': 'Assam',
  '19': 'West Bengal',
  '20': 'Jharkhand',
  '21': 'Odisha',
  '22': 'Chhattisgarh',
  '23': 'Madhya Pradesh',
  '24': 'Gujarat',
  '27': 'Maharashtra',
  '28': 'Andhra Pradesh',
  '29': 'Karnataka',
  '30': 'Goa',
  '31': 'Lakshadweep',
  '32': 'Kerala',
  '33': 'Tamil Nadu',
  '34': 'Puducherry',
  '35': 'Andaman and Nicobar Islands',
  '36': 'Telangana',
  '37': 'Ladakh',
  '38': 'Dadra and Nagar Haveli and Daman and Diu',
};

const GENDER: Record<string, PatientForm['gender']> = { M: 'male', F: 'female', O: 'other', T: 'other' };

const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');
const titleCase = (s: string) => s.toLowerCase().replace(/(^|[\s.'-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());

/** The form's fields from a scanned ABHA card QR, or undefined when the text is not one. */
export function readAbhaCard(scanned: string): AbhaCardFields | undefined {
  let card: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(scanned.trim());
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    card = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const abhaNumber = text(card.hidn);
  const abhaAddress = text(card.hid);
  // A card always carries its ABHA number; without one this is some other QR code.
  if (!/^\d{2}-?\d{4}-?\d{4}-?\d{4}$/.test(abhaNumber)) return undefined;
  const form: Partial<PatientForm> = { abhaNumber };
  if (/^[\w.]+@\w+$/.test(abhaAddress)) form.abhaAddress = abhaAddress;
  const words = titleCase(text(card.name).replace(/\s+/g, ' ')).split(' ').filter(Boolean);
  if (words.length > 1) {
    form.given = words.slice(0, -1).join(' ');
    form.family = words.at(-1);
  } else if (words.length === 1) form.given = words[0];
  const gender = GENDER[text(card.gender).toUpperCase()];
  if (gender) form.gender = gender;
  const mobile = text(card.mobile).replace(/[\s-]/g, '');
  if (/^(\+?91)?[6-9]\d{9}$/.test(mobile)) form.phone = `+91${mobile.slice(-10)}`;
  const line = text(card.address).replace(/\s+/g, ' ');
  if (line) form.line = line;
  const district = text(card.district_name);
  if (district) form.district = titleCase(district);
  const stateName = text(card.state_name);
  const state = stateName ? Object.values(STATE_BY_LGD).find((s) => s.toLowerCase() === stateName.toLowerCase()) : undefined;
  form.state = state ?? STATE_BY_LGD[String(Number(text(card.statelgd)))] ?? undefined;
  if (!form.state) delete form.state;
  const dob = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(text(card.dob));
  const dobText = dob ? `${dob[1]?.padStart(2, '0')}/${dob[2]?.padStart(2, '0')}/${dob[3]}` : undefined;
  return { form, dobText };
}
