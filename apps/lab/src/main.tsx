import { bootApp } from '@hospital-ops/app-shell';
import { App } from './App.tsx';
import { initLabI18n } from './i18n/index.ts';

void bootApp({
  name: 'lab',
  scope: 'openid fhirUser online_access user/*.cruds',
  App,
  init: () => {
    initLabI18n();
  },
});
