import type { WithId } from '@medplum/core';
import type { ObservationDefinition } from '@medplum/fhirtypes';

/**
 * Calculated results. LDL cholesterol by Friedewald: LDL = total cholesterol − HDL − TG/5 (all in
 * mg/dL), not valid when triglycerides are 400 mg/dL or more (then LDL must be measured). Rounded
 * to the analyte's decimals. Only when the analyser did not send LDL itself.
 */

export const LDL = '13457-7';
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
