import type { NextFunction, Request, Response } from 'express';
import { sendFhir } from './fhir-handler.ts';
import { NUL_TEXT, outcome } from './outcomes.ts';

/** Deeper than any resource nests (contained resources and nested Questionnaire items included). */
export const MAX_JSON_DEPTH = 100;

/**
 * What is wrong with a parsed JSON body that every later step would trip over: nesting deep
 * enough to overflow the stack of the recursive validators (10,000 levels did), or a NUL
 * character, which PostgreSQL refuses in text and jsonb. Walked without recursion.
 */
export function jsonShapeProblem(body: unknown): string | undefined {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return NUL_TEXT;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) return NUL_TEXT;
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** 400 in our own words for a NUL in the URL or a body that jsonShapeProblem refuses. */
export function checkInputShape(req: Request, res: Response, next: NextFunction): void {
  const problem = /%00/i.test(req.originalUrl) ? NUL_TEXT : jsonShapeProblem(req.body);
  if (problem) {
    sendFhir(res, 400, outcome('bad-request', 'structure', problem));
    return;
  }
  next();
}
