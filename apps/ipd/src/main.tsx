import { bootApp } from '@hospital-ops/app-shell';
import { App } from './App.tsx';
import { initIpdI18n } from './i18n/index.ts';

void bootApp({
  name: 'ipd',
  scope: 'openid fhirUser online_access user/*.cruds',
  App,
  init: initIpdI18n,
});
