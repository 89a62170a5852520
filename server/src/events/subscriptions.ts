import {
  evalFhirPathTyped,
  type FhirPathAtom,
  matchesSearchRequest,
  OperationOutcomeError,
  parseFhirPath,
  parseSearchRequest,
  type SearchRequest,
  toJsBoolean,
  toTypedValue,
} from '@medplum/core';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import { isStoredResourceType } from '../fhir/definitions.ts';
import { forbiddenOutcome, outcome } from '../http/outcomes.ts';
import type { WriteHook } from '../repo/write-hooks.ts';
import { type EndpointPolicy, endpointPolicy, endpointRefusal } from './endpoint-guard.ts';
import { forgetSubscriber, recordSubscriber } from './subscriber.ts';

/** Secret for the HMAC signature of rest-hook notifications (docs/events.md). */
export const SUBSCRIPTION_SECRET_URL = 'https://hospital-ops.in/fhir/StructureDefinition/subscription-secret';
/** `message` is internal: a bot's Subscriptions, whose deliveries become jobs on its queue (server/src/bots). */
export const SUPPORTED_CHANNELS = ['rest-hook', 'websocket', 'message'];
export const BOT_CHANNEL = 'message';
/** Where clients open the R4 websocket channel; the CapabilityStatement names it too. */
export const WEBSOCKET_PATH = '/ws/subscriptions';

const unprocessable = (text: string, expression: string) =>
  new OperationOutcomeError(outcome('business-rule', 'business-rule', text, expression));

/**
 * The criteria as a search request. Criteria are matched against each changed resource in memory,
 * so what cannot be decided from the resource alone (chains, _has, includes) is refused up front.
 */
export function parseCriteria(criteria: string | undefined): SearchRequest {
  const expression = 'Subscription.criteria';
  if (!criteria) throw unprocessable('A Subscription needs criteria, such as Observation?code=http://loinc.org|718-7.', expression);
  const [type, query = ''] = criteria.split('?', 2);
  if (!isStoredResourceType(type)) throw unprocessable(`The criteria name ${type || 'no'} resource type this server stores.`, expression);
  const request = parseSearchRequest(`${type}?${query}`);
  for (const filter of request.filters ?? []) {
    if (filter.code.includes('.') || filter.code.startsWith('_has'))
      throw unprocessable(`Chained and _has parameters (${filter.code}) cannot be used in Subscription criteria.`, expression);
  }
  if (request.include?.length || request.revInclude?.length)
    throw unprocessable('_include and _revinclude cannot be used in Subscription criteria.', expression);
  return request;
}

/**
 * An optional FHIRPath filter on a Subscription (extension valueString), judged after the criteria
 * with `%current` (the version written) and `%previous` (the one before it; empty on create): for
 * what a search cannot say, such as "status became finished". Medplum's extension url is read too,
 * so a Subscription written for it works here unchanged.
 */
export const FHIRPATH_FILTER_URLS = [
  'https://hospital-ops.in/fhir/StructureDefinition/subscription-fhirpath-filter',
  'https://medplum.com/fhir/StructureDefinition/fhir-path-criteria-expression',
];

export interface FhirPathFilter {
  atom: FhirPathAtom;
  needsPrevious: boolean;
}

/** The Subscription's FHIRPath filter, parsed; a malformed one is refused (422) when written. */
export function fhirPathFilterOf(s: Subscription): FhirPathFilter | undefined {
  const expression = s.extension?.find((e) => FHIRPATH_FILTER_URLS.includes(e.url))?.valueString;
  if (expression === undefined) return undefined;
  try {
    return { atom: parseFhirPath(expression), needsPrevious: expression.includes('%previous') };
  } catch {
    throw unprocessable(`The FHIRPath filter "${expression.slice(0, 200)}" is not a valid FHIRPath expression.`, 'Subscription.extension');
  }
}

/** Whether the filter holds for this change; an expression that fails on the resource does not match. */
export function filterMatch(filter: FhirPathFilter, current: Resource, previous: Resource | undefined): boolean {
  const here = toTypedValue(current);
  try {
    return toJsBoolean(evalFhirPathTyped(filter.atom, [here], { '%current': here, '%previous': toTypedValue(previous ?? {}) }));
  } catch {
    return false;
  }
}

/** Whether this version of a resource is one the Subscription asks about. */
export function criteriaMatch(request: SearchRequest, resource: Resource): boolean {
  if (request.resourceType !== resource.resourceType) return false;
  return !request.filters?.length || matchesSearchRequest(resource, request);
}

let policy: EndpointPolicy = endpointPolicy(undefined);
/** Set once at start from SUBSCRIPTION_ENDPOINT_ALLOW. */
export function setEndpointPolicy(p: EndpointPolicy): void {
  policy = p;
}
export const currentEndpointPolicy = (): EndpointPolicy => policy;

/**
 * Subscriptions are checked when written, so a client learns at once that its criteria or
 * endpoint cannot work, and a requested Subscription becomes active (the server owns `status`
 * apart from a client turning it off).
 */
export const subscriptionHook: WriteHook = {
  prepare(next, current) {
    const s = next as Subscription;
    // Only the bot runtime (a server write, which skips prepare) writes the bot channel: a client
    // could otherwise feed any event to a bot, or redirect a bot's Subscription elsewhere.
    if (s.channel?.type === BOT_CHANNEL || (current as Subscription | undefined)?.channel?.type === BOT_CHANNEL)
      throw new OperationOutcomeError(
        forbiddenOutcome('Subscriptions on the message channel belong to bots; a tenant administrator enables a bot at /admin/bots.'),
      );
    return s.status === 'requested' ? { ...s, status: 'active' } : s;
  },
  async afterWrite(ctx, current, next) {
    const s = next as Subscription | undefined;
    // A bot's Subscription goes when its bot is disabled (server/src/bots), not by a client's DELETE:
    // the runtime drops it from the installation first, so only a client's deletion finds it listed.
    if (!s && (current as Subscription | undefined)?.channel?.type === BOT_CHANNEL) {
      const owned = await ctx.sql.query('SELECT 1 FROM bot_installation WHERE $1 = ANY(subscription_ids)', [current?.id]);
      if (owned.rowCount > 0)
        throw new OperationOutcomeError(forbiddenOutcome('This Subscription belongs to a bot; disable the bot at /admin/bots instead.'));
    }
    if (!s) return forgetSubscriber(ctx.sql, (current as Subscription).id as string);
    // Turned off, or set to error by the delivery worker: nothing of it will be called.
    if (s.status === 'off' || s.status === 'error') return;
    parseCriteria(s.criteria);
    fhirPathFilterOf(s);
    const type = s.channel?.type;
    if (!type || !SUPPORTED_CHANNELS.includes(type))
      throw unprocessable(
        `Channel type ${type ?? '(none)'} is not supported here; use ${SUPPORTED_CHANNELS.filter((c) => c !== BOT_CHANNEL).join(', ')}.`,
        'Subscription.channel.type',
      );
    for (const h of s.channel.header ?? [])
      if (!/^[!#$%&'*+.^_`|~\w-]+:/.test(h))
        throw unprocessable('Each channel.header must be written "Name: value".', 'Subscription.channel.header');
    if (type === 'websocket' || type === BOT_CHANNEL) return;
    const refusal = await endpointRefusal(s.channel.endpoint ?? '', policy);
    if (refusal) throw unprocessable(refusal, 'Subscription.channel.endpoint');
    // rest-hook notifications carry resources to a URL: only what the writer may read, now and at each notification.
    const watched = parseCriteria(s.criteria).resourceType;
    if (ctx.access && !ctx.access.allows(watched, 'r'))
      throw new OperationOutcomeError(forbiddenOutcome(`This client may not read ${watched}, so it cannot subscribe to its changes.`));
    if (ctx.actor) await recordSubscriber(ctx.sql, s.id as string, ctx.actor);
  },
};
