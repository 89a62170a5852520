import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The platform (store, search, auth, audit, events, jobs, bots runtime...) sits at server/src/<capability>;
// hospital features (OPD, billing, pharmacy, lab, IPD, ABDM, messaging...) at server/src/features/<feature>.
// Features use the platform; the platform never reaches into a feature, except where the server is
// assembled: these files wire the features' routes, operations and commands in.
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const COMPOSITION_ROOTS = new Set(['start.ts', 'server.ts', 'http/app.ts', 'fhir/router.ts', 'admin/cli.ts']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('server layout', () => {
  it('keeps the platform from importing hospital features outside the composition roots', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(SRC)) {
      const name = relative(SRC, file);
      if (name.startsWith('features/') || COMPOSITION_ROOTS.has(name)) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\(|^import)\s*'([^']+)'/gm)) {
        const target = relative(SRC, join(file, '..', m[1]));
        if (m[1].startsWith('.') && target.startsWith('features/')) offenders.push(`${name} -> ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has the hospital features under features/ and nothing feature-like beside the platform', () => {
    const top = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const feature of ['opd', 'prescriptions', 'documents', 'billing', 'pharmacy', 'lab', 'ipd', 'abdm', 'messaging']) {
      expect(top).not.toContain(feature);
      expect(readdirSync(join(SRC, 'features'))).toContain(feature);
    }
  });
});
