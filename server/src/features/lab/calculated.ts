import type { WithId } from '@medplum/core';
import type { ObservationDefinition } from '@medplum/fhirtypes';

/**
 * Calculated results, each only when the analyser did not send the value itself.
 *
 * LDL cholesterol by Friedewald: LDL = total cholesterol − HDL − TG/5 (all in
 * mg/dL), not valid when triglycerides are 400 mg/dL or more (then LDL must be measured). Rounded
 * to the analyte's decimals.
 *
 * eGFR by CKD-EPI 2021 (Inker et al., NEJM 2021; no race term), from serum creatinine in mg/dL:
 * 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age × 1.012 if female, with κ 0.7 and
 * α −0.241 for women, κ 0.9 and α −0.302 for men. Adults (18 or more) of known sex only.
 */

export const LDL = '13457-7';
export const EGFR = '98979-8';
const CREATININE = '2160-0';
const CHOLESTEROL = '2093-3';
const HDL = '2085-9';
const TRIGLYCERIDES = '2571-8';

const loinc = (d: ObservationDefinition) => d.code.coding?.find((c) => c.system === 'http://loinc.org')?.code;

export interface Calculated {
  def: WithId<ObservationDefinition>;
  value: number;
  /** LOINC codes of the results it is calculated from. */
  from: string[];
  method: string;
}

export function friedewald(
  analytes: WithId<ObservationDefinition>[],
  entered: { def: ObservationDefinition; value: unknown }[],
): Calculated | undefined {
  const def = analytes.find((a) => loinc(a) === LDL);
  if (!def || entered.some((e) => loinc(e.def) === LDL)) return undefined;
  const v = (code: string) => {
    const e = entered.find((x) => loinc(x.def) === code);
    return typeof e?.value === 'number' ? e.value : undefined;
  };
  const tc = v(CHOLESTEROL);
  const hdl = v(HDL);
  const tg = v(TRIGLYCERIDES);
  if (tc === undefined || hdl === undefined || tg === undefined || tg >= 400) return undefined;
  const scale = 10 ** (def.quantitativeDetails?.decimalPrecision ?? 0);
  return {
    def,
    value: Math.round((tc - hdl - tg / 5) * scale) / scale,
    from: [CHOLESTEROL, HDL, TRIGLYCERIDES],
    method: 'Calculated: Friedewald (total cholesterol − HDL − triglycerides/5)',
  };
}

/** The CKD-EPI 2021 eGFR (mL/min/1.73 m²), unrounded. */
export function ckdEpi2021(creatinineMgDl: number, sex: 'male' | 'female', ageYears: number): number {
  const female = sex === 'female';
  const kappa = female ? 0.7 : 0.9;
  const alpha = female ? -0.241 : -0.302;
  const ratio = creatinineMgDl / kappa;
  return 142 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.2 * 0.9938 ** ageYears * (female ? 1.012 : 1);
}

export function egfr(
  analytes: WithId<ObservationDefinition>[],
  entered: { def: ObservationDefinition; value: unknown }[],
  sex: string | undefined,
  ageYears: number | undefined,
): Calculated | undefined {
  const def = analytes.find((a) => loinc(a) === EGFR);
  if (!def || entered.some((e) => loinc(e.def) === EGFR)) return undefined;
  const creatinine = entered.find((x) => loinc(x.def) === CREATININE)?.value;
  if (typeof creatinine !== 'number' || creatinine <= 0) return undefined;
  if ((sex !== 'male' && sex !== 'female') || ageYears === undefined || ageYears < 18) return undefined;
  const scale = 10 ** (def.quantitativeDetails?.decimalPrecision ?? 0);
  return {
    def,
    value: Math.round(ckdEpi2021(creatinine, sex, ageYears) * scale) / scale,
    from: [CREATININE],
    method: 'Calculated: CKD-EPI 2021 creatinine equation (age, sex; no race term)',
  };
}
