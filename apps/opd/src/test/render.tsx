import { MantineProvider } from '@mantine/core';
import { MedplumClient } from '@medplum/core';
import { MedplumProvider } from '@medplum/react';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { initOpdI18n } from '../i18n/index.ts';

// What Mantine needs from a browser that jsdom does not have.
export function polyfillBrowser(): void {
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  })) as typeof window.matchMedia;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}

export interface Sent {
  method: string;
  url: string;
  body?: unknown;
}

/**
 * Renders a component as the app does (Mantine, i18n, a MedplumClient), with the server replaced
 * by `answer` (a body, or a whole Response): each request the component makes is recorded for the test to check.
 */
export function renderWithServer(node: ReactNode, answer: (req: Sent) => unknown = () => ({})): { sent: Sent[] } {
  polyfillBrowser();
  initOpdI18n();
  const sent: Sent[] = [];
  const medplum = new MedplumClient({
    baseUrl: 'http://hospital.test/',
    fhirUrlPath: 'fhir/R4',
    fetch: async (url: string, init: RequestInit = {}) => {
      const req = { method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : undefined };
      sent.push(req);
      const out = answer(req);
      // An answer may be a whole Response, to play a server that refuses (a 422, say).
      if (out instanceof Response) return out;
      return new Response(JSON.stringify(out), { status: 200, headers: { 'content-type': 'application/fhir+json' } });
    },
  });
  render(
    <MantineProvider>
      <MedplumProvider medplum={medplum}>{node}</MedplumProvider>
    </MantineProvider>,
  );
  return { sent };
}
