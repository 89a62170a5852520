import { fileURLToPath } from 'node:url';

/** A SMART app the platform ships and serves under /apps/<name>/. */
export interface BuiltInApp {
  name: string;
  title: string;
  /** What the app asks for; the user's role policy narrows it further on every request. */
  scope: string;
}

export const BUILT_IN_APPS: BuiltInApp[] = [
  {
    name: 'opd',
    title: 'Hospital-Ops OPD',
    scope: 'openid fhirUser launch launch/patient launch/encounter online_access user/*.cruds',
  },
  {
    // The ward's app: bed board, admission, transfer, discharge, beds made ready.
    name: 'ipd',
    title: 'Hospital-Ops IPD',
    scope: 'openid fhirUser launch launch/patient launch/encounter online_access user/*.cruds',
  },
  {
    // Works from orders and samples, not from an open visit: no encounter context. What a lab
    // technician may do is the lab_tech role's policy.
    name: 'lab',
    title: 'Hospital-Ops Lab',
    scope: 'openid fhirUser launch launch/patient online_access user/*.cruds',
  },
  {
    // The pharmacist's counter and store: dispensing, goods receipt, stock, alerts, the H1 register.
    // Works from prescriptions and stores, not an open visit; the pharmacist role's policy decides the rest.
    name: 'pharmacy',
    title: 'Hospital-Ops Pharmacy',
    scope: 'openid fhirUser launch launch/patient online_access user/*.cruds',
  },
];

/** Where `vite build` leaves an app. */
export function appDistDir(name: string): string {
  return fileURLToPath(new URL(`../../../apps/${name}/dist/`, import.meta.url));
}

/**
 * The app's OAuth client id in a tenant. The tenant the platform was bootstrapped with uses the
 * app's plain name; other tenants get the name with their id, since client ids are platform-wide.
 */
export function appClientId(app: BuiltInApp, tenantId: string, bootstrapTenantId: string): string {
  return tenantId === bootstrapTenantId ? app.name : `${app.name}-${tenantId}`;
}

/** The one redirect URI: the app's root, where it completes the authorization. */
export const appRedirectUri = (baseUrl: string, app: BuiltInApp) => `${baseUrl}/apps/${app.name}/`;
export const appLaunchUri = (baseUrl: string, app: BuiltInApp) => `${baseUrl}/apps/${app.name}/launch`;
