import { configDefaults, defineConfig } from 'vitest/config';

// Every server suite that touches the database runs twice: on the embedded PGlite and on a real
// PostgreSQL server (a fresh database per test file, see test/helpers/server.ts). Suites under
// test/unit/ need no database and run once.
const unit = 'test/unit/**';
// Each database project migrates once into a template that every test server copies.
const globalSetup = ['test/helpers/migrated-templates.ts'];
export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Two files at a time: the suites mostly wait on PostgreSQL, child processes and sockets, and
    // vitest's default on a 2-core machine is one worker (the run then took 44 minutes in CI).
    maxWorkers: 2,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: [`${unit}/*.test.ts`] } },
      { extends: true, test: { name: 'pglite', env: { TEST_DB: 'pglite' }, exclude: [...configDefaults.exclude, unit], globalSetup } },
      { extends: true, test: { name: 'postgres', env: { TEST_DB: 'postgres' }, exclude: [...configDefaults.exclude, unit], globalSetup } },
    ],
  },
});
