import { badRequest } from '@medplum/core';
import type { Coding, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { fail, localReference } from '../opd/fhir.ts';

/**
 * Named inputs of a pharmacy operation: a Parameters body (parts for receipt lines) and, for simple
 * values, the query string. Each accessor answers 400 with the parameter's name when its value has
 * the wrong type; `at` prefixes the name for a part (line[2].quantity).
 */
export class Params {
  private readonly params: ParametersParameter[];
  private readonly query: Record<string, string | string[] | undefined>;
  private readonly at: string;

  constructor(body: unknown, query: Record<string, string | string[] | undefined> = {}, at = '') {
    const resource = body as Parameters | undefined;
    if (resource && typeof resource === 'object' && Object.keys(resource).length > 0 && resource.resourceType !== 'Parameters') {
      fail(badRequest('The operation takes a Parameters resource'));
    }
    this.params = Array.isArray(resource?.parameter) ? resource.parameter : [];
    this.query = query;
    this.at = at;
  }

  static ofParts(parts: ParametersParameter[] | undefined, at: string): Params {
    return new Params({ resourceType: 'Parameters', parameter: parts ?? [] }, {}, at);
  }

  private name(n: string): string {
    return this.at ? `${this.at}.${n}` : n;
  }

  private one(n: string): ParametersParameter | undefined {
    const found = this.params.filter((p) => p.name === n);
    if (found.length > 1) fail(badRequest(`Parameter ${this.name(n)} is given more than once`, this.name(n)));
    return found[0];
  }

  private queryValue(n: string): string | undefined {
    const v = this.query[n];
    return Array.isArray(v) ? v.at(-1) : v;
  }

  all(n: string): ParametersParameter[] {
    return this.params.filter((p) => p.name === n);
  }

  string(n: string): string | undefined {
    const p = this.one(n);
    if (!p) return this.queryValue(n);
    const v = p.valueString ?? p.valueCode ?? p.valueDate ?? p.valueDateTime;
    if (typeof v !== 'string' || !v.trim()) fail(badRequest(`Parameter ${this.name(n)} must be a non-empty string`, this.name(n)));
    return (v as string).trim();
  }

  requiredString(n: string): string {
    return this.string(n) ?? fail(badRequest(`Parameter ${this.name(n)} is required`, this.name(n)));
  }

  date(n: string): string | undefined {
    const v = this.string(n);
    if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v))
      fail(badRequest(`Parameter ${this.name(n)} must be a date (YYYY-MM-DD)`, this.name(n)));
    return v;
  }

  /** A whole number; `min` refuses negatives (and zero with min 1) with a sentence of our own. */
  integer(n: string, min = 0): number | undefined {
    const p = this.one(n);
    let v: unknown;
    if (p) v = p.valueInteger ?? p.valuePositiveInt ?? p.valueUnsignedInt ?? p.valueDecimal;
    else {
      const raw = this.queryValue(n);
      if (raw === undefined) return undefined;
      v = /^-?\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(badRequest(`Parameter ${this.name(n)} must be a whole number`, this.name(n)));
    if ((v as number) < min)
      fail(badRequest(`Parameter ${this.name(n)} must be ${min === 0 ? 'zero or more' : `at least ${min}`}, not ${v}`, this.name(n)));
    if ((v as number) > 1_000_000) fail(badRequest(`Parameter ${this.name(n)} is too large`, this.name(n)));
    return v as number;
  }

  /** Rupees (a decimal or a Money in INR) as whole paise; never negative. */
  paise(n: string): number | undefined {
    const p = this.one(n);
    if (!p) return undefined;
    const money = p.valueMoney;
    if (money?.currency && money.currency !== 'INR') fail(badRequest(`Parameter ${this.name(n)} must be in INR`, this.name(n)));
    const v = money ? money.value : (p.valueDecimal ?? p.valueInteger);
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(badRequest(`Parameter ${this.name(n)} must be an amount in rupees`, this.name(n)));
    if ((v as number) < 0) fail(badRequest(`Parameter ${this.name(n)} must not be negative`, this.name(n)));
    return Math.round((v as number) * 100);
  }

  percent(n: string): number {
    const p = this.one(n);
    if (!p) return 0;
    const v = p.valueDecimal ?? p.valueInteger;
    if (typeof v !== 'number' || v < 0 || v > 100)
      fail(badRequest(`Parameter ${this.name(n)} must be a percentage from 0 to 100`, this.name(n)));
    return v as number;
  }

  boolean(n: string): boolean | undefined {
    const p = this.one(n);
    if (!p) {
      const raw = this.queryValue(n);
      return raw === undefined ? undefined : raw === 'true';
    }
    if (typeof p.valueBoolean !== 'boolean') fail(badRequest(`Parameter ${this.name(n)} must be a boolean`, this.name(n)));
    return p.valueBoolean;
  }

  coding(n: string): Coding | undefined {
    const p = this.one(n);
    if (!p) return undefined;
    const c = p.valueCoding ?? p.valueCodeableConcept?.coding?.[0];
    if (!c?.system || !c.code) fail(badRequest(`Parameter ${this.name(n)} must be a Coding with system and code`, this.name(n)));
    return c;
  }

  /** The id of a `Type/id` reference to this server, or 400. */
  id(n: string, type: string, baseUrl: string): string | undefined {
    const p = this.one(n);
    const raw = p ? ((p.valueReference?.reference ?? p.valueString) as string | undefined) : this.queryValue(n);
    if (raw === undefined) return undefined;
    const ref = localReference(raw, baseUrl);
    if (ref?.type !== type)
      fail(badRequest(`Parameter ${this.name(n)} must reference a ${type} on this server, not "${raw}"`, this.name(n)));
    return ref?.id;
  }

  requiredId(n: string, type: string, baseUrl: string): string {
    return this.id(n, type, baseUrl) ?? fail(badRequest(`Parameter ${this.name(n)} is required`, this.name(n)));
  }
}

/** `system|code`: how the pharmacy names a catalogue item. */
export const itemKey = (c: Coding) => `${c.system}|${c.code}`;

/** A composition as compared for generic substitution: lower case, single spaces, `+` between ingredients. */
export const normalComposition = (text: string) =>
  text
    .toLowerCase()
    .split('+')
    .map((x) => x.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .sort()
    .join(' + ');
