import type { Coding, Money } from '@medplum/fhirtypes';

/** Canonical URLs and codes billing reads and writes (docs/billing.md). */
export const HOPS = 'https://hospital-ops.in/fhir';
export const GSTIN_SYSTEM = `${HOPS}/sid/gstin`;
/** On a branch Organization: its invoice number prefix (valueString, 1 to 4 letters or digits); "HO" when absent. */
export const INVOICE_PREFIX_URL = `${HOPS}/StructureDefinition/invoice-prefix`;
export const INVOICE_NUMBER_SYSTEM = `${HOPS}/sid/invoice-number`;
export const ACCOUNT_SYSTEM = `${HOPS}/sid/billing-account`;
export const CHARGE_SYSTEM = `${HOPS}/sid/charge`;
export const TARIFF_CODE_SYSTEM = `${HOPS}/CodeSystem/tariff`;
export const HSN_SYSTEM = `${HOPS}/sid/hsn`;
export const SAC_SYSTEM = `${HOPS}/sid/sac`;
/** On a ChargeItemDefinition and its ChargeItems: the HSN or SAC code (valueCoding, system HSN_SYSTEM or SAC_SYSTEM). */
export const HSN_SAC_URL = `${HOPS}/StructureDefinition/hsn-sac`;
/** The tariff's tax category (valueCode: room-rent, life-saving-drug, cosmetic ...). */
export const TAX_CATEGORY_URL = `${HOPS}/StructureDefinition/tax-category`;
/** valueBoolean: the price includes GST (medicines at MRP). */
export const PRICE_INCLUDES_TAX_URL = `${HOPS}/StructureDefinition/price-includes-tax`;
/** valueBoolean: an intensive care bed (ICU/CCU/ICCU/NICU). */
export const ICU_URL = `${HOPS}/StructureDefinition/icu`;
/** On a ChargeItem: valueReference to the ChargeItem it reverses. */
export const REVERSES_URL = `${HOPS}/StructureDefinition/reverses`;
/** On an Account: valueCode, the rate plan whose tariff applies (general, staff, insurance, corporate). */
export const RATE_PLAN_URL = `${HOPS}/StructureDefinition/rate-plan`;
/** On an Invoice line: the GST rule applied (valueString, a rule id of server/src/features/billing/gst/rules.ts). */
export const GST_RULE_URL = `${HOPS}/StructureDefinition/gst-rule`;
/** On an Invoice line: the tariff version used (valueCanonical url|version). */
export const TARIFF_VERSION_URL = `${HOPS}/StructureDefinition/tariff-version`;
/** Unit price on a MedicationDispense (valueMoney INR, per unit), set by pharmacy. */
export const UNIT_PRICE_URL = `${HOPS}/StructureDefinition/unit-price`;
/** On a credit note: valueReference to the Invoice it corrects. */
export const CORRECTS_URL = `${HOPS}/StructureDefinition/corrects-invoice`;
/** Price components the ABDM IG has no code for (IGST, round-off). */
export const PRICE_COMPONENT_EXTRA = `${HOPS}/CodeSystem/price-component`;

export const NDHM_BILLING = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes';
export const NDHM_PRICE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-price-components';

export const BILLING_CODES: Record<string, string> = {
  '00': 'Consultation',
  '01': 'Pharmacy',
  '02': 'IPD',
  '03': 'OPD',
  '04': 'Pathology',
  '05': 'Medicines',
  '99': 'Others',
};

export const billingCoding = (code: string): Coding => ({ system: NDHM_BILLING, code, display: BILLING_CODES[code] ?? 'Others' });

/** Paise to FHIR Money in rupees (exact: two decimals). */
export const inr = (paise: number): Money => ({ value: Number((paise / 100).toFixed(2)), currency: 'INR' });

/** FHIR Money in rupees to whole paise; undefined when it is not INR or has fractions of a paisa. */
export function paiseOf(money: Money | undefined): number | undefined {
  if (money?.value === undefined || (money.currency && money.currency !== 'INR')) return undefined;
  const p = Math.round(money.value * 100);
  return Math.abs(p - money.value * 100) < 1e-6 ? p : undefined;
}
