import { writeFileSync } from 'node:fs';
import { buildCatalogue } from './catalogue-source.ts';

// Writes the shipped starter catalogue (catalogue.json) from catalogue-source.ts.
writeFileSync(new URL('./catalogue.json', import.meta.url), `${JSON.stringify(buildCatalogue(), null, 1)}\n`);
