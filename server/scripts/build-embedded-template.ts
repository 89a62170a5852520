// Builds the migrated data folder a new embedded database starts from (src/db/pglite-template.ts),
// unless the current schema's is there. Run by npm ci (the root's prepare) and by npm start.
import { existsSync } from 'node:fs';
import { buildTemplate, DEFAULT_TEMPLATE_DIR, templatePath } from '../src/db/pglite-template.ts';

const dir = process.env.EMBEDDED_TEMPLATE_DIR ?? DEFAULT_TEMPLATE_DIR;
if (dir !== 'none' && !existsSync(templatePath(dir))) {
  const started = Date.now();
  console.log('building the embedded database template (the migrations, once per schema)...');
  const file = await buildTemplate(dir);
  console.log(`  ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
