// `npm run seed`: loads the demo tenant into the configured database (idempotent).
import { loadConfig } from './config.ts';
import { openDatabase } from './db/open.ts';
import { loadDefinitions } from './fhir/definitions.ts';
import { loadDemoTenant } from './seed.ts';

const config = loadConfig();
loadDefinitions();
const db = await openDatabase(config);
try {
  const { created, existing } = await loadDemoTenant(db, config);
  console.log(`Demo tenant ${config.TENANT_ID}: ${created} resources created, ${existing} already present.`);
} finally {
  await db.close();
}
