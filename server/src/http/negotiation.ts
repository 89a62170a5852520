import type { NextFunction, Request, Response } from 'express';
import { isViewRunPath } from '../analytics/views/paths.ts';
import { outcome } from './outcomes.ts';

/** 406: the id maps to the status in sendFhir's callers; the text is ours. */
export const notAcceptable = (text: string) => outcome('not-acceptable', 'not-supported', text);

// Media types (and _format shorthands) this server answers with: FHIR JSON only.
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
const JSON_RANGES = new Set(['*/*', 'application/*', ...JSON_FORMATS]);

interface MediaRange {
  type: string;
  q: number;
  fhirVersion?: string;
}

function parseRange(text: string): MediaRange {
  const [type, ...params] = text.split(';').map((s) => s.trim());
  const range: MediaRange = { type: type.toLowerCase(), q: 1 };
  for (const p of params) {
    const [k, v = ''] = p.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k.toLowerCase() === 'q') range.q = Number.isNaN(Number(v)) ? 0 : Number(v);
    if (k.toLowerCase() === 'fhirversion') range.fhirVersion = v;
  }
  return range;
}

/** A FHIR version parameter, when given, must name R4 (4.0, or 4.0.x). */
const isR4 = (version: string | undefined) => version === undefined || /^4\.0(\.\d+)?$/.test(version);

/** True when the value of Accept (or of _format) admits FHIR JSON for R4. */
export function acceptsFhirJson(accept: string, ranges = JSON_RANGES): boolean {
  return accept
    .split(',')
    .filter((s) => s.trim())
    .map(parseRange)
    .some((r) => r.q > 0 && ranges.has(r.type) && isR4(r.fhirVersion));
}

function lastFormat(req: Request): string | undefined {
  const f = req.query._format;
  return Array.isArray(f) ? String(f.at(-1)) : f === undefined ? undefined : String(f);
}

/**
 * FHIR content negotiation: `_format` overrides Accept; this server speaks JSON only, so any other
 * format gets 406 with an OperationOutcome rather than JSON the client cannot read. Operations
 * (`$name`) may answer with content of their own (a PDF), so their Accept is theirs to judge.
 */
export function negotiateFormat(send: (res: Response, status: number, body: ReturnType<typeof outcome>) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // SQL on FHIR $run answers in formats of its own (csv, ndjson, parquet) and checks _format itself.
    if (isViewRunPath(req.path)) {
      next();
      return;
    }
    const format = lastFormat(req);
    const accept = req.get('accept');
    if (format !== undefined && !acceptsFhirJson(format, JSON_FORMATS)) {
      send(res, 406, notAcceptable(`Unsupported _format: ${format}; this server answers in JSON (_format=json)`));
    } else if (format === undefined && accept && !acceptsFhirJson(accept) && !/\/\$[^/]+$/.test(req.path)) {
      send(res, 406, notAcceptable(`Cannot answer in ${accept}: this server answers in FHIR R4 JSON (application/fhir+json)`));
    } else {
      next();
    }
  };
}
