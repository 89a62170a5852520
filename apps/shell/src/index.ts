export { type AppDefinition, bootApp } from './boot.tsx';
export { describeError } from './errors.ts';
export { initI18n, outcomeMessage, useLanguage } from './i18n/index.ts';
export { sessionAccessToken } from './launch/medplum.ts';
export type { AppConfig, SmartSession } from './launch/smart.ts';
export { AppFrame, type NavItem } from './layout/AppFrame.tsx';
export { ErrorBoundary, ErrorView } from './layout/ErrorView.tsx';
export { type AppSession, useBranch, useSession } from './session.tsx';
