import { getStatus, isOperationOutcome } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { TFunction } from 'i18next';

/**
 * MedplumClient throws an OperationOutcomeError and drops the HTTP status, so the status is read
 * back from the outcome: first its id (the ids @medplum/core's getStatus knows, which this
 * platform's server sets, e.g. 'not-found', 'business-rule'), then the first issue's code.
 */
const STATUS_BY_ISSUE_CODE: Partial<Record<OperationOutcomeIssue['code'], number>> = {
  login: 401,
  unknown: 401,
  expired: 401,
  forbidden: 403,
  security: 403,
  'not-found': 404,
  deleted: 410,
  conflict: 409,
  duplicate: 409,
  throttled: 429,
  exception: 500,
  timeout: 504,
  transient: 503,
};

function httpStatus(outcome: OperationOutcome): number {
  const status = getStatus(outcome);
  // 400 and 500 are getStatus's fallbacks for ids it does not know.
  if (status !== 400 && status !== 500) return status;
  return STATUS_BY_ISSUE_CODE[outcome.issue?.[0]?.code as OperationOutcomeIssue['code']] ?? status;
}

/** What fetch throws when no response came back: Chrome, Firefox, Safari, Node (undici). */
function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError && /failed to fetch|networkerror|load failed|fetch failed/i.test(error.message);
}

/** The outcome in an OperationOutcomeError (duck-typed: apps may bundle their own @medplum/core), or a bare outcome. */
function outcomeOf(error: unknown): OperationOutcome | undefined {
  if (isOperationOutcome(error)) return error;
  const outcome = (error as { outcome?: unknown } | null)?.outcome;
  return isOperationOutcome(outcome) ? outcome : undefined;
}

// A code with "." or ":" would be read as a nested key or a namespace.
const TRANSLATION_KEY_SAFE = /^[A-Za-z0-9_-]+$/;

/** Business codes the server names in an issue, e.g. SLOT_NOT_AVAILABLE (@medplum/core's conflict(text, code) puts them in details.coding). */
function businessCodes(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? [])
    .flatMap((issue) => [
      ...(issue.details?.coding ?? []).map((c) => c.code),
      // @medplum/core's businessRule(key, text) puts its key here.
      issue.details?.id,
    ])
    .filter((code): code is string => !!code && TRANSLATION_KEY_SAFE.test(code));
}

/** What the server said about each error, once each; its text is what the user can act on. */
function issueTexts(outcome: OperationOutcome): string[] {
  const issues = outcome.issue ?? [];
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  const texts = (errors.length ? errors : issues).map((i) => i.details?.text ?? i.diagnostics).filter((text): text is string => !!text);
  return [...new Set(texts)];
}

/**
 * One clear message, in the user's language, for anything a FHIR call threw: a network failure,
 * a MedplumClient OperationOutcomeError, or an OperationOutcome. A business code with a message of
 * its own comes first (looked up as `outcome.<CODE>` in the caller's namespace, then the shell's);
 * otherwise the HTTP status decides, and for 400/422 the server's own reasons are listed, one per line.
 * Any other thrown value gets a generic message: a JavaScript error text means nothing to a clerk.
 */
export function outcomeMessage(error: unknown, t: TFunction): string {
  if (isNetworkFailure(error)) return t('shell:errors.network');
  const outcome = outcomeOf(error);
  if (!outcome) return t('shell:errors.unknown');
  for (const code of businessCodes(outcome)) {
    const specific = t(`outcome.${code}`, { defaultValue: '' }) || t(`shell:outcome.${code}`, { defaultValue: '' });
    if (specific) return specific;
  }
  const status = httpStatus(outcome);
  if (status === 401) return t('shell:errors.unauthenticated');
  if (status === 403) return t('shell:errors.forbidden');
  if (status === 404) return t('shell:errors.notFound');
  if (status === 410) return t('shell:errors.gone');
  // 412: an If-Match update lost the race, which the user experiences as the same conflict.
  if (status === 409 || status === 412) return t('shell:errors.conflict');
  if (status === 429) return t('shell:errors.tooManyRequests');
  if (status >= 500) return t('shell:errors.server');
  const reasons = issueTexts(outcome);
  if (!reasons.length) return t('shell:errors.invalidNoDetails');
  return [t('shell:errors.invalid'), ...reasons.map((reason) => `• ${reason}`)].join('\n');
}
