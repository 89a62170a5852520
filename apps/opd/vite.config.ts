import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { precompress } from '../scripts/precompress.ts';

export default defineConfig({
  // Served by the platform under /apps/opd/ (server/src/apps/routes.ts).
  base: '/apps/opd/',
  plugins: [react(), precompress()],
  build: {
    // No data: URIs: the server's Content-Security-Policy allows only same-origin images and fonts.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run dev -w @hospital-ops/opd`: the API and sign-in pages come from a running server.
    proxy: { '/fhir': 'http://localhost:8080', '/oauth2': 'http://localhost:8080', '/apps/opd/config.json': 'http://localhost:8080' },
  },
  test: {
    projects: [
      // Logic and components; component tests opt into jsdom with a `@vitest-environment jsdom` comment.
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.{ts,tsx}'], environment: 'node' } },
      // The built app in Debian's Chromium against a real server and PostgreSQL (e2e/harness.ts).
      {
        extends: true,
        // expect.poll waits up to 10 s (default 1 s): a save and the page's re-read take longer on a busy machine.
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
