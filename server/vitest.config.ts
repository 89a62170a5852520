import { defineConfig } from 'vitest/config';

// Every server suite runs twice: on the embedded PGlite and on a real PostgreSQL server
// (a fresh database per test file, see test/helpers/server.ts).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'pglite', env: { TEST_DB: 'pglite' } } },
      { extends: true, test: { name: 'postgres', env: { TEST_DB: 'postgres' } } },
    ],
  },
});
