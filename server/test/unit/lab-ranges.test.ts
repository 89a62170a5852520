import type { ObservationDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ckdEpi2021, egfr, friedewald } from '../../src/features/lab/calculated.ts';
import { catalogueProblems, loincCheckDigitOk, readCatalogue } from '../../src/features/lab/catalogue.ts';
import { deltaOf, deltaRule } from '../../src/features/lab/delta.ts';
import { ageInDays, assess, flag, pickReference } from '../../src/features/lab/ranges.ts';

const catalogue = readCatalogue();
const analyte = (loinc: string) =>
  catalogue.entry
    ?.map((e) => e.resource)
    .find((r) => r?.resourceType === 'ObservationDefinition' && r.code.coding?.[0]?.code === loinc) as ObservationDefinition;
const years = (n: number) => n * 365.25;

describe('starter lab catalogue', () => {
  it('validates: every reference resolves, every LOINC code passes its check digit, units are UCUM', () => {
    expect(catalogueProblems(catalogue)).toEqual([]);
    const types = (catalogue.entry ?? []).map((e) => e.resource?.resourceType);
    expect(types.filter((t) => t === 'ActivityDefinition')).toHaveLength(8);
    expect(types.filter((t) => t === 'SpecimenDefinition')).toHaveLength(4);
  });

  it('checks LOINC check digits, and finds what is wrong in a broken catalogue', () => {
    for (const good of ['58410-2', '4548-4', '1558-6', '3016-3', '2160-0', '3094-0', '1742-6', '1920-8', '13457-7', '718-7', '777-3'])
      expect(loincCheckDigitOk(good), good).toBe(true);
    for (const badCode of ['718-8', '4548-5', '2160', 'abc-1']) expect(loincCheckDigitOk(badCode), badCode).toBe(false);
    const broken = structuredClone(catalogue);
    const hb = broken.entry?.find((e) => e.fullUrl?.endsWith(':obs:hb'))?.resource as ObservationDefinition;
    (hb.code.coding ?? [])[0].code = '718-6';
    (hb.qualifiedInterval ?? [])[0].range = { low: { value: 17, code: 'g/dL' }, high: { value: 13, code: 'g/dL' } };
    const cbc = broken.entry?.find((e) => e.fullUrl?.endsWith(':test:cbc'))?.resource as { specimenRequirement: { reference: string }[] };
    cbc.specimenRequirement = [{ reference: 'urn:hospital-ops:lab:spec:nowhere' }];
    const problems = catalogueProblems(broken);
    expect(problems).toContain('obs-hb: LOINC 718-6 fails its check digit');
    expect(problems).toContain('obs-hb: an interval with low above high');
    expect(problems).toContain('test-cbc: urn:hospital-ops:lab:spec:nowhere is not in the catalogue');
  });
});

describe('reference ranges by sex and age band', () => {
  const hb = analyte('718-7');

  it('picks the range for the sex and the age at collection; the band boundary belongs to the older band', () => {
    expect(pickReference(hb, 'male', years(40))?.range?.low?.value).toBe(13);
    expect(pickReference(hb, 'female', years(40))?.range?.low?.value).toBe(12);
    // 12 years exactly is adult; the day before is a child.
    expect(pickReference(hb, 'female', years(12))?.range?.low?.value).toBe(12);
    expect(pickReference(hb, 'female', years(12) - 1)?.range?.low?.value).toBe(11);
    expect(pickReference(hb, 'male', years(1))?.range?.high?.value).toBe(14.5);
    // Under one year: no band of the starter applies, so no range rather than a wrong one.
    expect(pickReference(hb, 'male', 200)).toBeUndefined();
    // Sex unknown: only ranges that do not depend on sex.
    expect(pickReference(hb, 'unknown', years(40))).toBeUndefined();
    expect(pickReference(hb, 'unknown', years(5))?.range?.low?.value).toBe(11);
    // A range without age band applies at any age, and a sexed range wins over an unsexed one.
    expect(pickReference(analyte('777-3'), undefined, undefined)?.range?.high?.value).toBe(410);
    expect(pickReference(analyte('2085-9'), 'female', years(30))?.range?.low?.value).toBe(50);
  });

  it('computes the age at collection from the birth date', () => {
    expect(ageInDays('2014-12-06', '2026-12-06T08:00:00+05:30') / 365.25).toBeCloseTo(12, 1);
    expect(ageInDays('2026-12-01', '2026-12-06')).toBe(5);
  });
});

describe('flags', () => {
  const hb = analyte('718-7');
  const male = (v: number) => assess(hb, v, 'male', years(40));

  it('is N on the bounds, H and L outside, HH and LL at and beyond the critical limits', () => {
    expect(male(13).flag).toBe('N');
    expect(male(17).flag).toBe('N');
    expect(male(12.9).flag).toBe('L');
    expect(male(17.1).flag).toBe('H');
    expect(male(7).flag).toBe('LL');
    expect(male(6.5)).toMatchObject({ flag: 'LL', critical: true });
    expect(male(20)).toMatchObject({ flag: 'HH', critical: true });
    expect(male(19.9)).toMatchObject({ flag: 'H', critical: false });
  });

  it('uses the patient’s own range: 12.5 g/dL is low for a man, normal for a woman', () => {
    expect(assess(hb, 12.5, 'male', years(30)).flag).toBe('L');
    expect(assess(hb, 12.5, 'female', years(30)).flag).toBe('N');
  });

  it('flags a one-sided range (HDL: low only) and gives no flag without a range', () => {
    const hdl = analyte('2085-9');
    expect(assess(hdl, 35, 'male', years(50)).flag).toBe('L');
    expect(assess(hdl, 80, 'male', years(50)).flag).toBe('N');
    expect(flag(5, undefined, [])).toBeUndefined();
  });
});

describe('calculated LDL (Friedewald)', () => {
  const lipid = ['2093-3', '2571-8', '2085-9', '13457-7'].map((c) => ({ ...analyte(c), id: c }));
  const entered = (tc: number, tg: number, hdl: number) => [
    { def: lipid[0], value: tc },
    { def: lipid[1], value: tg },
    { def: lipid[2], value: hdl },
  ];

  it('is TC − HDL − TG/5, rounded to whole mg/dL', () => {
    // 220 − 45 − 180/5 = 139; 198 − 52 − 143/5 = 117.4 → 117
    expect(friedewald(lipid, entered(220, 180, 45))?.value).toBe(139);
    expect(friedewald(lipid, entered(198, 143, 52))?.value).toBe(117);
  });

  it('is not calculated at triglycerides of 400 or more, when LDL was measured, or with a value missing', () => {
    expect(friedewald(lipid, entered(250, 400, 40))).toBeUndefined();
    expect(friedewald(lipid, [...entered(220, 180, 45), { def: lipid[3], value: 150 }])).toBeUndefined();
    expect(friedewald(lipid, entered(220, 180, 45).slice(0, 2))).toBeUndefined();
  });
});

describe('calculated eGFR (CKD-EPI 2021)', () => {
  const kft = ['2160-0', '98979-8'].map((c) => ({ ...analyte(c), id: c }));
  const creatinine = (value: number) => [{ def: kft[0], value }];

  it('matches the equation worked by hand', () => {
    // Man, 50, creatinine 1.0: 142 × (1.0/0.9)^−1.2 × 0.9938^50 = 91.7
    expect(ckdEpi2021(1.0, 'male', 50)).toBeCloseTo(91.7, 1);
    // Woman, 34, 1.2: 142 × (1.2/0.7)^−1.2 × 0.9938^34 × 1.012 = 60.9
    expect(ckdEpi2021(1.2, 'female', 34)).toBeCloseTo(60.9, 1);
    // Woman, 30, 0.5 (below κ, so the α term): 142 × (0.5/0.7)^−0.241 × 0.9938^30 × 1.012 = 129.3
    expect(ckdEpi2021(0.5, 'female', 30)).toBeCloseTo(129.3, 1);
  });

  it('is added to a creatinine result for an adult of known sex, rounded to whole mL/min/1.73 m²', () => {
    expect(egfr(kft, creatinine(1.0), 'male', 50)?.value).toBe(92);
    expect(egfr(kft, creatinine(1.2), 'female', 34)).toMatchObject({ value: 61, from: ['2160-0'] });
  });

  it('is not calculated for a child, an unknown sex, no creatinine, or when the analyser sent eGFR', () => {
    expect(egfr(kft, creatinine(0.5), 'male', 12)).toBeUndefined();
    expect(egfr(kft, creatinine(1.0), 'unknown', 40)).toBeUndefined();
    expect(egfr(kft, creatinine(1.0), 'female', undefined)).toBeUndefined();
    expect(egfr(kft, [], 'female', 40)).toBeUndefined();
    expect(egfr(kft, [...creatinine(1.0), { def: kft[1], value: 80 }], 'female', 40)).toBeUndefined();
  });
});

describe('delta checks', () => {
  it('flags a change at the limit or past it, up or down, in the unit or in percent', () => {
    const absolute = { change: 1, percent: false, days: 3 };
    expect(deltaOf(absolute, 5.0, 4.0)).toEqual({ direction: 'U', change: 1 });
    expect(deltaOf(absolute, 3.1, 4.0)).toBeUndefined();
    expect(deltaOf(absolute, 2.9, 4.0)?.direction).toBe('D');
    const percent = { change: 50, percent: true, days: 7 };
    expect(deltaOf(percent, 1.5, 1.0)).toEqual({ direction: 'U', change: 50 });
    expect(deltaOf(percent, 0.6, 1.0)).toBeUndefined();
    expect(deltaOf(percent, 0.5, 1.0)?.direction).toBe('D');
    // A percent of nothing is no measure.
    expect(deltaOf(percent, 3, 0)).toBeUndefined();
  });

  it('reads its rule from the catalogue, and a broken rule is no rule', () => {
    const creat = analyte('2160-0');
    expect(deltaRule(creat)).toEqual({ change: 50, percent: true, days: 7 });
    expect(deltaRule(analyte('2085-9'))).toBeUndefined();
    const broken = { ...creat, extension: [{ url: creat.extension?.[0]?.url as string, extension: [{ url: 'change', valueDecimal: 0 }] }] };
    expect(deltaRule(broken)).toBeUndefined();
  });
});
