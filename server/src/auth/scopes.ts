/**
 * SMART on FHIR clinical scopes, v1 (`patient/*.read`, `user/Observation.write`) and v2
 * (`patient/Observation.rs`, `system/*.cruds`, with query restrictions such as
 * `patient/Observation.rs?category=laboratory`). v1 read = v2 `rs`, v1 write = v2 `cud`.
 */
export type ScopeContext = 'patient' | 'user' | 'system';
/** c create, r read (read/vread/history), u update, d delete, s search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface ResourceScope {
  context: ScopeContext;
  /** A resource type or '*'. */
  resourceType: string;
  permissions: Set<Permission>;
  /** v2 query restriction: search parameters a resource must also match ("category=laboratory"). */
  query?: string;
  /** The scope as the client wrote it. */
  raw: string;
}

const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(?:\?(.+))?$/;
const V2 = /^c?r?u?d?s?$/;

export function parseResourceScope(raw: string): ResourceScope | undefined {
  const m = SCOPE.exec(raw);
  if (!m) return undefined;
  const [, context, resourceType, action, query] = m;
  let letters: string;
  if (action === 'read') letters = 'rs';
  else if (action === 'write') letters = 'cud';
  else if (action === '*') letters = 'cruds';
  else if (action.length > 0 && V2.test(action)) letters = action;
  else return undefined;
  // Query restrictions are a v2 feature; v1 actions never carry them.
  if (query !== undefined && ['read', 'write', '*'].includes(action)) return undefined;
  return {
    context: context as ScopeContext,
    resourceType,
    permissions: new Set(letters.split('') as Permission[]),
    query,
    raw,
  };
}

export function splitScopes(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];
}

/** Non-resource scopes a client may ask for (also published in the SMART configuration). */
export const CONTEXT_SCOPES = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
];
const OTHER_SCOPES = new Set(CONTEXT_SCOPES);

/** Permission letters in words, for messages. */
export const PERMISSION_VERBS: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

export function isKnownScope(s: string): boolean {
  return OTHER_SCOPES.has(s) || parseResourceScope(s) !== undefined;
}

/**
 * Whether `requested` is covered by `allowed` (a client's registered scopes): same context, type
 * equal or allowed '*', permissions a subset, and any query restriction of the allowed scope kept.
 */
export function scopeCovered(requested: string, allowed: string[]): boolean {
  if (OTHER_SCOPES.has(requested)) return allowed.includes(requested) || (requested.startsWith('launch') && allowed.includes('launch'));
  const r = parseResourceScope(requested);
  if (!r) return false;
  return allowed.some((a) => {
    const s = parseResourceScope(a);
    if (!s || s.context !== r.context) return false;
    if (s.resourceType !== '*' && s.resourceType !== r.resourceType) return false;
    if (s.query && s.query !== r.query) return false;
    return [...r.permissions].every((p) => s.permissions.has(p));
  });
}

/** The scopes granted: what was asked for, narrowed to what the client is registered for. */
export function grantScopes(requested: string, allowed: string): string[] {
  const allowedList = splitScopes(allowed);
  return splitScopes(requested).filter((s) => scopeCovered(s, allowedList));
}
