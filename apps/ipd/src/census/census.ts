import type { MedplumClient } from '@medplum/core';
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';

// Location/$census (docs/ipd.md): per ward per IST day, read into rows for the table.

export const CENSUS_COLUMNS = [
  'admissions',
  'discharges',
  'deaths',
  'transfersIn',
  'transfersOut',
  'occupancy',
  'occupancyPercent',
  'averageLengthOfStay',
] as const;
export type CensusColumn = (typeof CENSUS_COLUMNS)[number];
export type CensusFigures = Partial<Record<CensusColumn | 'bedDays', number>>;

export interface CensusWard {
  id: string;
  name: string;
  beds: number;
  days: { date: string; figures: CensusFigures }[];
  total: CensusFigures;
}

const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);

function figures(p: ParametersParameter | undefined): CensusFigures {
  const out: CensusFigures = {};
  for (const x of p?.part ?? []) {
    const v = x.valueInteger ?? x.valueDecimal;
    if (v !== undefined) out[x.name as CensusColumn] = v;
  }
  return out;
}

export function readCensus(p: Parameters): CensusWard[] {
  return (p.parameter ?? [])
    .filter((x) => x.name === 'ward')
    .map((w) => {
      const ref = part(w, 'ward')?.valueReference;
      return {
        id: ref?.reference?.split('/')[1] ?? '',
        name: ref?.display ?? '',
        beds: part(w, 'beds')?.valueInteger ?? 0,
        days: (w.part ?? []).filter((x) => x.name === 'day').map((d) => ({ date: part(d, 'date')?.valueDate ?? '', figures: figures(d) })),
        total: figures(part(w, 'total')),
      };
    });
}

const integer = new Intl.NumberFormat('en-IN');
const decimal = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A figure as the table shows it, en-IN digits; a dash where there is none (no one left, so no length of stay). */
export function formatFigure(column: CensusColumn, value: number | undefined): string {
  if (value === undefined) return '–';
  if (column === 'occupancyPercent') return `${decimal.format(value)}%`;
  return Number.isInteger(value) && column !== 'averageLengthOfStay' ? integer.format(value) : decimal.format(value);
}

/** YYYY-MM-DD `days` before the given IST date (the range's default start). */
export function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

export const census = (medplum: MedplumClient, from: string, to: string, branch?: string) =>
  medplum.get<Parameters>(
    `${medplum.fhirUrl('Location', '$census').toString()}?from=${from}&to=${to}${branch ? `&branch=Organization/${branch}` : ''}`,
    { cache: 'no-cache' },
  );
