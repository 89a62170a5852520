import { bootApp } from '@hospital-ops/app-shell';
import { App } from './App.tsx';
import { initPharmacyI18n } from './i18n/index.ts';

void bootApp({
  name: 'pharmacy',
  scope: 'openid fhirUser online_access user/*.cruds',
  App,
  init: initPharmacyI18n,
});
