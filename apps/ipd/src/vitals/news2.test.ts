import { describe, expect, it } from 'vitest';
import {
  consciousnessScore,
  fahrenheitToCelsius,
  news2,
  oxygenScore,
  pulseScore,
  respirationScore,
  riskOf,
  spo2Scale1Score,
  spo2Scale2Score,
  systolicScore,
  temperatureScore,
} from './news2.ts';

// Every band of the RCP NEWS2 chart (2017), at both of its edges.
const cases = (score: (v: number) => number, table: [number, number][]) => {
  for (const [value, expected] of table) expect(score(value), String(value)).toBe(expected);
};

describe('NEWS2 bands', () => {
  it('respiration rate: ≤8 3, 9–11 1, 12–20 0, 21–24 2, ≥25 3', () => {
    cases(respirationScore, [
      [4, 3],
      [8, 3],
      [9, 1],
      [11, 1],
      [12, 0],
      [20, 0],
      [21, 2],
      [24, 2],
      [25, 3],
      [40, 3],
    ]);
  });

  it('SpO2 scale 1: ≤91 3, 92–93 2, 94–95 1, ≥96 0', () => {
    cases(spo2Scale1Score, [
      [80, 3],
      [91, 3],
      [92, 2],
      [93, 2],
      [94, 1],
      [95, 1],
      [96, 0],
      [100, 0],
    ]);
  });

  it('SpO2 scale 2: ≤83 3, 84–85 2, 86–87 1, 88–92 0 (and ≥93 on air 0), 93–94 on oxygen 1, 95–96 on oxygen 2, ≥97 on oxygen 3', () => {
    const onAir = (v: number) => spo2Scale2Score(v, false);
    const onO2 = (v: number) => spo2Scale2Score(v, true);
    cases(onAir, [
      [83, 3],
      [84, 2],
      [85, 2],
      [86, 1],
      [87, 1],
      [88, 0],
      [92, 0],
      [93, 0],
      [99, 0],
    ]);
    cases(onO2, [
      [83, 3],
      [85, 2],
      [87, 1],
      [88, 0],
      [92, 0],
      [93, 1],
      [94, 1],
      [95, 2],
      [96, 2],
      [97, 3],
      [100, 3],
    ]);
  });

  it('air or oxygen: oxygen 2, air 0', () => {
    expect(oxygenScore(true)).toBe(2);
    expect(oxygenScore(false)).toBe(0);
  });

  it('systolic BP: ≤90 3, 91–100 2, 101–110 1, 111–219 0, ≥220 3', () => {
    cases(systolicScore, [
      [70, 3],
      [90, 3],
      [91, 2],
      [100, 2],
      [101, 1],
      [110, 1],
      [111, 0],
      [219, 0],
      [220, 3],
    ]);
  });

  it('pulse: ≤40 3, 41–50 1, 51–90 0, 91–110 1, 111–130 2, ≥131 3', () => {
    cases(pulseScore, [
      [35, 3],
      [40, 3],
      [41, 1],
      [50, 1],
      [51, 0],
      [90, 0],
      [91, 1],
      [110, 1],
      [111, 2],
      [130, 2],
      [131, 3],
    ]);
  });

  it('consciousness: alert 0, new confusion, voice, pain or unresponsive 3', () => {
    expect(consciousnessScore('A')).toBe(0);
    for (const c of ['C', 'V', 'P', 'U'] as const) expect(consciousnessScore(c)).toBe(3);
  });

  it('temperature: ≤35.0 3, 35.1–36.0 1, 36.1–38.0 0, 38.1–39.0 1, ≥39.1 2', () => {
    cases(temperatureScore, [
      [34.2, 3],
      [35.0, 3],
      [35.1, 1],
      [36.0, 1],
      [36.1, 0],
      [38.0, 0],
      [38.1, 1],
      [39.0, 1],
      [39.1, 2],
      [41, 2],
    ]);
    // Charted to one decimal: 36.04 is 36.0.
    expect(temperatureScore(36.04)).toBe(1);
  });

  it('reads °F as the ward charts it', () => {
    expect(fahrenheitToCelsius(98.6)).toBe(37);
    expect(fahrenheitToCelsius(100.4)).toBe(38);
    expect(fahrenheitToCelsius(96.8)).toBe(36);
    expect(temperatureScore(fahrenheitToCelsius(102.3))).toBe(2);
  });
});

describe('NEWS2 total and risk', () => {
  const well = { respiration: 16, spo2: 97, onOxygen: false, systolic: 124, pulse: 78, consciousness: 'A' as const, temperatureC: 37 };

  it('scores a well patient 0, low risk', () => {
    expect(news2(well)).toEqual({
      total: 0,
      parts: { respiration: 0, spo2: 0, oxygen: 0, systolic: 0, pulse: 0, consciousness: 0, temperature: 0 },
      risk: 'low',
      redScore: false,
    });
  });

  it('flags a single red score as low-medium even with a low total', () => {
    const s = news2({ ...well, consciousness: 'C' });
    expect([s.total, s.redScore, s.risk]).toEqual([3, true, 'low-medium']);
  });

  it('adds the parts: a septic picture is high risk', () => {
    const s = news2({ respiration: 24, spo2: 93, onOxygen: true, systolic: 98, pulse: 118, consciousness: 'A', temperatureC: 39.2 });
    expect(s.parts).toEqual({ respiration: 2, spo2: 2, oxygen: 2, systolic: 2, pulse: 2, consciousness: 0, temperature: 2 });
    expect([s.total, s.risk]).toEqual([12, 'high']);
  });

  it('uses scale 2 only when asked', () => {
    const copd = { ...well, spo2: 89, onOxygen: true };
    expect(news2(copd).parts.spo2).toBe(3);
    expect(news2({ ...copd, scale2: true }).parts.spo2).toBe(0);
  });

  it('sets risk by the RCP thresholds: 0–4 low, 5–6 medium, ≥7 high', () => {
    expect([0, 4, 5, 6, 7, 20].map((t) => riskOf(t, false))).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high']);
    expect(riskOf(5, true)).toBe('medium');
  });
});
