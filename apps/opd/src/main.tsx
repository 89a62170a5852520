import { bootApp } from '@hospital-ops/app-shell';
import { App } from './App.tsx';
import { initOpdI18n } from './i18n/index.ts';

void bootApp({
  name: 'opd',
  scope: 'openid fhirUser online_access user/*.cruds',
  App,
  init: initOpdI18n,
});
