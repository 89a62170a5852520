import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/**
 * A profile's snapshot as a tree: each element with its children and, when it is sliced, its
 * slices (each a subtree of its own). Validation walks this tree beside the resource, so nested
 * slices (a section slice whose entries are sliced again) keep their own rules.
 */
export interface ElementNode {
  /** Property name as it appears in FHIR paths: `identifier`, `value[x]`. */
  name: string;
  sliceName?: string;
  definition: ElementDefinition;
  min: number;
  max: number;
  children: ElementNode[];
  slices: ElementNode[];
}

function maxOf(max: string | undefined): number {
  return max === undefined || max === '*' ? Number.POSITIVE_INFINITY : Number(max);
}

function node(definition: ElementDefinition, segment: string): ElementNode {
  const [name, sliceName] = segment.split(':', 2) as [string, string | undefined];
  return {
    name,
    sliceName: sliceName?.split('/').pop(),
    definition,
    min: definition.min ?? 0,
    max: maxOf(definition.max),
    children: [],
    slices: [],
  };
}

/** Builds the tree from a StructureDefinition's snapshot. The root node is the resource (or type) itself. */
export function buildElementTree(sd: StructureDefinition): ElementNode {
  const elements = sd.snapshot?.element;
  if (!elements?.length) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const byId = new Map<string, ElementNode>();
  const rootDef = elements[0] as ElementDefinition;
  const root = node(rootDef, rootDef.id ?? rootDef.path);
  byId.set(rootDef.id ?? rootDef.path, root);
  for (const def of elements.slice(1)) {
    const id = def.id ?? def.path;
    const parts = id.split('.');
    const last = parts[parts.length - 1] as string;
    const current = node(def, last);
    byId.set(id, current);
    if (current.sliceName !== undefined) {
      // `a.b:slice` is a slice of `a.b`; a re-slice `a.b:s/r` is a slice of `a.b:s`.
      const slicedId = last.includes('/')
        ? [...parts.slice(0, -1), last.slice(0, last.lastIndexOf('/'))].join('.')
        : [...parts.slice(0, -1), current.name].join('.');
      byId.get(slicedId)?.slices.push(current);
    } else {
      byId.get(parts.slice(0, -1).join('.'))?.children.push(current);
    }
  }
  return root;
}

/** The JSON property names an element matches: `value[x]` matches `valueQuantity`, `valueString`... */
export function jsonKeys(element: ElementNode): { key: string; type: string }[] {
  const types = element.definition.type ?? [];
  if (!element.name.endsWith('[x]')) return [{ key: element.name, type: types[0]?.code ?? 'BackboneElement' }];
  const stem = element.name.slice(0, -3);
  return types.map((t) => ({ key: stem + t.code.charAt(0).toUpperCase() + t.code.slice(1), type: t.code }));
}
