import { splitSearchOnComma } from '@medplum/core';

/** The R4 comparison prefixes of number, date and quantity values. */
export const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[\d+.-])/;

export interface PrefixedValue {
  operator: string;
  value: string;
}

/**
 * The values of a comma-separated list, each with its own prefix (`lt60,gt100`). The core parser
 * takes the first value's prefix as the filter's operator and leaves the rest in the value, so
 * the first keeps `operator`; a later value without a prefix means `eq`.
 */
export function prefixedValues(operator: string, value: string): PrefixedValue[] {
  return splitSearchOnComma(value).map((v, i) => {
    const prefix = PREFIX.exec(v)?.[1];
    if (prefix) return { operator: prefix, value: v.slice(prefix.length) };
    return { operator: i === 0 ? operator : 'eq', value: v };
  });
}

/**
 * A number, date or quantity list as one filter: the first value's prefix as its operator, the
 * rest left for prefixedValues. The core parser would check the whole list as one date.
 */
export function listFilter(code: string, value: string): { code: string; operator: string; value: string } {
  const prefix = PREFIX.exec(value)?.[1];
  return { code, operator: prefix ?? 'eq', value: prefix ? value.slice(prefix.length) : value };
}
