/**
 * GST rules as data (docs/billing.md). The engine (compute.ts) knows no rate, no code and no date:
 * it picks, for a line, the matching rule of highest priority from this table. A change of law is
 * a new row with its `from` date (and a `to` on the row it replaces), never a code change.
 * Sources are in each row; ../shared/abdm/NOTES.md §7.1 summarises them.
 */

/** The supply setting of a charge: in-patient (an admitted Encounter) or out-patient / walk-in. */
export type Setting = 'inpatient' | 'outpatient';

export interface GstRule {
  id: string;
  /** HSN (goods) or SAC (services). */
  codeSystem: 'HSN' | 'SAC';
  /** Matches every code that starts with it; '' matches every code of the system. */
  codePrefix: string;
  /** First day (IST date of supply) the rule applies, inclusive. */
  from: string;
  /** Last day it applies, inclusive; open-ended when absent. */
  to?: string;
  /** GST rate in basis points (500 = 5%); 0 with `exempt` for exempt supplies. */
  rateBp: number;
  exempt?: boolean;
  /** Conditions on the line; a rule matches only when all hold. */
  when?: {
    setting?: Setting;
    /** The tariff's tax category (room-rent, life-saving-drug, cosmetic ...). */
    category?: string;
    /** Intensive care room (ICU/CCU/ICCU/NICU). */
    icu?: boolean;
    /** The unit price (per day for room rent) must be above this, in paise. */
    unitAbovePaise?: number;
  };
  /** Higher wins among matching rules; ties go to the longer prefix. */
  priority: number;
  source: string;
}

const GST_START = '2017-07-01';
const GST2_START = '2025-09-22';

export const GST_RULES: readonly GstRule[] = [
  // ---- services ---------------------------------------------------------------------------
  {
    id: 'health-care-exempt',
    codeSystem: 'SAC',
    codePrefix: '9993',
    from: GST_START,
    rateBp: 0,
    exempt: true,
    priority: 10,
    source: 'Notification 12/2017-Central Tax (Rate), entry 74: health care services by a clinical establishment',
  },
  {
    id: 'cosmetic-18',
    codeSystem: 'SAC',
    codePrefix: '9993',
    from: GST_START,
    rateBp: 1800,
    when: { category: 'cosmetic' },
    priority: 150,
    source: 'Entry 74 excludes hair transplant and cosmetic or plastic surgery (other than reconstructive)',
  },
  {
    id: 'room-rent-above-5000',
    codeSystem: 'SAC',
    codePrefix: '9993',
    from: '2022-07-18',
    rateBp: 500,
    when: { setting: 'inpatient', category: 'room-rent', icu: false, unitAbovePaise: 500_000 },
    priority: 300,
    source: 'Notification 4/2022-Central Tax (Rate), 47th GST Council: non-ICU room above Rs 5,000 per day at 5% without ITC',
  },
  {
    id: 'services-default-18',
    codeSystem: 'SAC',
    codePrefix: '',
    from: GST_START,
    rateBp: 1800,
    priority: 0,
    source: 'Notification 11/2017-Central Tax (Rate), residual entry for services: 18%',
  },
  // ---- in-patient composite supply: everything supplied to an admitted patient -------------
  {
    id: 'inpatient-composite-services',
    codeSystem: 'SAC',
    codePrefix: '',
    from: GST_START,
    rateBp: 0,
    exempt: true,
    when: { setting: 'inpatient' },
    priority: 100,
    source:
      'Circular 32/06/2018-GST: medicines, consumables, implants, food and room to in-patients are a composite supply of exempt health care',
  },
  {
    id: 'inpatient-composite-goods',
    codeSystem: 'HSN',
    codePrefix: '',
    from: GST_START,
    rateBp: 0,
    exempt: true,
    when: { setting: 'inpatient' },
    priority: 100,
    source: 'Circular 32/06/2018-GST (as above)',
  },
  // ---- goods sold over the counter (OPD / walk-in pharmacy) ---------------------------------
  {
    id: 'medicaments-12',
    codeSystem: 'HSN',
    codePrefix: '3004',
    from: GST_START,
    to: '2025-09-21',
    rateBp: 1200,
    priority: 10,
    source: 'Notification 1/2017-Central Tax (Rate), Schedule II: HSN 3004 at 12%',
  },
  {
    id: 'medicaments-5',
    codeSystem: 'HSN',
    codePrefix: '3004',
    from: GST2_START,
    rateBp: 500,
    priority: 10,
    source: '56th GST Council (3 Sep 2025), effective 22 Sep 2025: all other drugs and medicines 12% to 5%',
  },
  {
    id: 'pharma-goods-12',
    codeSystem: 'HSN',
    codePrefix: '3006',
    from: GST_START,
    to: '2025-09-21',
    rateBp: 1200,
    priority: 10,
    source: 'Notification 1/2017-Central Tax (Rate): HSN 3006 at 12%',
  },
  {
    id: 'pharma-goods-5',
    codeSystem: 'HSN',
    codePrefix: '3006',
    from: GST2_START,
    rateBp: 500,
    priority: 10,
    source: '56th GST Council, effective 22 Sep 2025: medical goods 12% to 5%',
  },
  {
    id: 'diagnostic-kits-12',
    codeSystem: 'HSN',
    codePrefix: '3822',
    from: GST_START,
    to: '2025-09-21',
    rateBp: 1200,
    priority: 10,
    source: 'Notification 1/2017-Central Tax (Rate): diagnostic reagents and kits at 12%',
  },
  {
    id: 'diagnostic-kits-5',
    codeSystem: 'HSN',
    codePrefix: '3822',
    from: GST2_START,
    rateBp: 500,
    priority: 10,
    source: '56th GST Council, effective 22 Sep 2025: diagnostic kits and reagents to 5%',
  },
  {
    id: 'medical-devices-12',
    codeSystem: 'HSN',
    codePrefix: '9018',
    from: GST_START,
    to: '2025-09-21',
    rateBp: 1200,
    priority: 10,
    source: 'Notification 1/2017-Central Tax (Rate): medical instruments (9018) at 12%',
  },
  {
    id: 'medical-devices-5',
    codeSystem: 'HSN',
    codePrefix: '9018',
    from: GST2_START,
    rateBp: 500,
    priority: 10,
    source: '56th GST Council, effective 22 Sep 2025: medical devices to 5%',
  },
  {
    id: 'life-saving-nil',
    codeSystem: 'HSN',
    codePrefix: '',
    from: GST2_START,
    rateBp: 0,
    exempt: true,
    when: { category: 'life-saving-drug' },
    priority: 50,
    source: '56th GST Council, effective 22 Sep 2025: 33 life-saving drugs (and 3 more at 5%) to nil; the tariff marks which',
  },
  {
    id: 'goods-default-18',
    codeSystem: 'HSN',
    codePrefix: '',
    from: GST_START,
    rateBp: 1800,
    priority: 0,
    source: 'Notification 1/2017-Central Tax (Rate), Schedule III: standard rate 18% for goods not listed here',
  },
];

/**
 * Place of supply (IGST Act ss. 10 and 12, as the issue fixes them for this hospital): services
 * at the branch's GSTIN state; over-the-counter goods at the recipient's state when known.
 */
export const PLACE_OF_SUPPLY = { services: 'supplier', goods: 'recipient' } as const;

/** GST state codes (first two digits of a GSTIN) by state or union territory name, lower case. */
export const GST_STATE_CODES: Record<string, string> = {
  'jammu and kashmir': '01',
  'himachal pradesh': '02',
  punjab: '03',
  chandigarh: '04',
  uttarakhand: '05',
  haryana: '06',
  delhi: '07',
  rajasthan: '08',
  'uttar pradesh': '09',
  bihar: '10',
  sikkim: '11',
  'arunachal pradesh': '12',
  nagaland: '13',
  manipur: '14',
  mizoram: '15',
  tripura: '16',
  meghalaya: '17',
  assam: '18',
  'west bengal': '19',
  jharkhand: '20',
  odisha: '21',
  chhattisgarh: '22',
  'madhya pradesh': '23',
  gujarat: '24',
  'dadra and nagar haveli and daman and diu': '26',
  maharashtra: '27',
  karnataka: '29',
  goa: '30',
  lakshadweep: '31',
  kerala: '32',
  'tamil nadu': '33',
  puducherry: '34',
  'andaman and nicobar islands': '35',
  telangana: '36',
  'andhra pradesh': '37',
  ladakh: '38',
};
