// `npm run seed`: loads the demo tenant and its demo sign-ins into the configured database (idempotent).
import { loadConfig } from './config.ts';
import { DataDirError } from './db/data-lock.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open.ts';
import { loadDefinitions } from './fhir/definitions.ts';
import { createDemoLogins, loadDemoTenant } from './seed.ts';

const config = loadConfig();
loadDefinitions();
let db: Database;
try {
  db = await openDatabase(config);
} catch (err) {
  if (!(err instanceof DataDirError)) throw err;
  console.error(err.message);
  process.exit(1);
}
try {
  const { created, existing } = await loadDemoTenant(db, config);
  console.log(`Demo tenant ${config.TENANT_ID}: ${created} resources created, ${existing} already present.`);
  const logins = await createDemoLogins(db, config);
  if (logins.length) console.log(`Demo sign-ins created (password: DEMO_PASSWORD, default sanjeevani-demo): ${logins.join(', ')}`);
} finally {
  await db.close();
}
