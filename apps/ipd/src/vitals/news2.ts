/**
 * NEWS2, the Royal College of Physicians' National Early Warning Score 2 (2017): each of seven
 * observations scores 0–3 by the bands of the RCP's chart, and the total with any single red
 * score (3) sets the clinical risk and the response. A prompt for escalation, not a diagnosis.
 */

export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';

export interface News2Input {
  respiration: number;
  spo2: number;
  /** SpO2 scale 2 is for patients with hypercapnic respiratory failure and a prescribed target of 88–92%, decided by a clinician. */
  scale2?: boolean;
  onOxygen: boolean;
  systolic: number;
  pulse: number;
  /** ACVPU: alert, new confusion, voice, pain, unresponsive. */
  consciousness: Consciousness;
  temperatureC: number;
}

export type News2Part = 'respiration' | 'spo2' | 'oxygen' | 'systolic' | 'pulse' | 'consciousness' | 'temperature';
export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high';

export interface News2Score {
  total: number;
  parts: Record<News2Part, number>;
  risk: News2Risk;
  /** Any single observation scored 3 (a red score). */
  redScore: boolean;
}

/** Score by upper limits: the first band whose limit the value does not pass; past every limit, `above`. */
function band(value: number, limits: [number, number][], above: number): number {
  for (const [limit, score] of limits) if (value <= limit) return score;
  return above;
}

export function respirationScore(rate: number): number {
  return band(
    rate,
    [
      [8, 3],
      [11, 1],
      [20, 0],
      [24, 2],
    ],
    3,
  );
}

export function spo2Scale1Score(spo2: number): number {
  return band(
    spo2,
    [
      [91, 3],
      [93, 2],
      [95, 1],
    ],
    0,
  );
}

/** Scale 2: 88–92% scores 0; above 92% scores 0 on air but 1–3 on oxygen (too much oxygen for a CO2 retainer). */
export function spo2Scale2Score(spo2: number, onOxygen: boolean): number {
  if (spo2 <= 92 || !onOxygen)
    return band(
      spo2,
      [
        [83, 3],
        [85, 2],
        [87, 1],
      ],
      0,
    );
  return band(
    spo2,
    [
      [94, 1],
      [96, 2],
    ],
    3,
  );
}

export const oxygenScore = (onOxygen: boolean) => (onOxygen ? 2 : 0);

export function systolicScore(mmHg: number): number {
  return band(
    mmHg,
    [
      [90, 3],
      [100, 2],
      [110, 1],
      [219, 0],
    ],
    3,
  );
}

export function pulseScore(rate: number): number {
  return band(
    rate,
    [
      [40, 3],
      [50, 1],
      [90, 0],
      [110, 1],
      [130, 2],
    ],
    3,
  );
}

export const consciousnessScore = (c: Consciousness) => (c === 'A' ? 0 : 3);

/** Temperature in °C, to one decimal as charted (35.0, 35.1–36.0, 36.1–38.0, 38.1–39.0, 39.1 and over). */
export function temperatureScore(celsius: number): number {
  const t = Math.round(celsius * 10) / 10;
  return band(
    t,
    [
      [35.0, 3],
      [36.0, 1],
      [38.0, 0],
      [39.0, 1],
    ],
    2,
  );
}

/** °F as Indian wards chart it, to °C for the score. */
export const fahrenheitToCelsius = (f: number) => Math.round((((f - 32) * 5) / 9) * 10) / 10;

/** RCP: total 0–4 low (3 in one parameter: low-medium), 5–6 medium, 7 or more high. */
export function riskOf(total: number, redScore: boolean): News2Risk {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  return redScore ? 'low-medium' : 'low';
}

export function news2(input: News2Input): News2Score {
  const parts: Record<News2Part, number> = {
    respiration: respirationScore(input.respiration),
    spo2: input.scale2 ? spo2Scale2Score(input.spo2, input.onOxygen) : spo2Scale1Score(input.spo2),
    oxygen: oxygenScore(input.onOxygen),
    systolic: systolicScore(input.systolic),
    pulse: pulseScore(input.pulse),
    consciousness: consciousnessScore(input.consciousness),
    temperature: temperatureScore(input.temperatureC),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const redScore = Object.values(parts).some((p) => p === 3);
  return { total, parts, risk: riskOf(total, redScore), redScore };
}

/** RCP's minimum monitoring for each risk, in hours (0: continuous). */
export const MONITORING_HOURS: Record<News2Risk | 'zero', number> = { zero: 12, low: 4, 'low-medium': 1, medium: 1, high: 0 };
