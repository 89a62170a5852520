import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';
import '@medplum/react/styles.css';
import { Center, Loader, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MedplumProvider } from '@medplum/react';
import type { ComponentType } from 'react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { medplumForSession } from './launch/medplum.ts';
import { type AppRegistration, completeLaunch, startLaunch } from './launch/smart.ts';
import { ErrorBoundary, ErrorView } from './layout/ErrorView.tsx';
import { type AppSession, SessionProvider } from './session.tsx';
import { theme } from './theme.ts';

const RETURN_TO = 'hops.returnTo';

export interface AppDefinition extends AppRegistration {
  /** The app's root component, rendered once a SMART session exists. */
  App: ComponentType;
  /** Called before the first render (the app registers its i18n namespace here). */
  init?: () => void | Promise<void>;
}

function render(node: React.ReactNode): void {
  const el = document.getElementById('root');
  if (!el) throw new Error('no #root element');
  const root = createRoot(el);
  root.render(
    <StrictMode>
      <MantineProvider theme={theme}>
        <Notifications position="top-right" />
        {node}
      </MantineProvider>
    </StrictMode>,
  );
}

/**
 * Boots a SMART app: `/apps/<name>/launch` starts authorization (standalone, or EHR launch with
 * `iss` and `launch`); `/apps/<name>/` completes it or resumes the tab's session, then renders.
 */
export async function bootApp(def: AppDefinition): Promise<void> {
  await def.init?.();
  const launchPath = `/apps/${def.name}/launch`;
  try {
    if (window.location.pathname.replace(/\/$/, '') === launchPath) {
      render(
        <Center h="100vh">
          <Loader />
        </Center>,
      );
      await startLaunch(def);
      return;
    }
    const smart = await completeLaunch();
    if (!smart) {
      // Come back here after signing in (a bookmarked queue screen, a reloaded visit).
      sessionStorage.setItem(RETURN_TO, `${window.location.pathname}${window.location.search}`);
      window.location.replace(launchPath);
      return;
    }
    const returnTo = sessionStorage.getItem(RETURN_TO);
    if (returnTo) {
      sessionStorage.removeItem(RETURN_TO);
      if (returnTo.startsWith(`/apps/${def.name}/`)) window.history.replaceState(null, '', returnTo);
    }
    const session: AppSession = {
      ...smart,
      appName: def.name,
      medplum: medplumForSession(smart, () => {
        sessionStorage.clear();
        window.location.replace(launchPath);
      }),
    };
    const { App } = def;
    render(
      <MedplumProvider medplum={session.medplum}>
        <SessionProvider session={session}>
          <ErrorBoundary>
            <App />
          </ErrorBoundary>
        </SessionProvider>
      </MedplumProvider>,
    );
  } catch (err) {
    render(<ErrorView error={err} onRetry={() => window.location.assign(launchPath)} />);
  }
}
