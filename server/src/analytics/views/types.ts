/** The ViewDefinition shape of the HL7 SQL on FHIR v2 specification (the parts this engine reads). */

export interface ViewColumn {
  name: string;
  path: string;
  type?: string;
  collection?: boolean;
  description?: string;
}

export interface ViewSelect {
  column?: ViewColumn[];
  select?: ViewSelect[];
  forEach?: string;
  forEachOrNull?: string;
  repeat?: string[];
  unionAll?: ViewSelect[];
}

export interface ViewConstant {
  name: string;
  [valueX: string]: unknown;
}

export interface ViewWhere {
  path: string;
  description?: string;
}

export interface ViewDefinition {
  resourceType?: 'ViewDefinition';
  id?: string;
  url?: string;
  name?: string;
  title?: string;
  status?: string;
  resource: string;
  constant?: ViewConstant[];
  select: ViewSelect[];
  where?: ViewWhere[];
}

/** One output row: column name to a primitive (or an array of them for `collection: true`). */
export type ViewRow = Record<string, unknown>;

/** A view column as output writers need it: its name, its FHIR type and whether it holds a list. */
export interface ColumnInfo {
  name: string;
  type: string;
  collection: boolean;
}

/** The FHIR primitive types a column may declare. */
export const COLUMN_TYPES = new Set([
  'base64Binary',
  'boolean',
  'canonical',
  'code',
  'date',
  'dateTime',
  'decimal',
  'id',
  'instant',
  'integer',
  'integer64',
  'markdown',
  'oid',
  'positiveInt',
  'string',
  'time',
  'unsignedInt',
  'uri',
  'url',
  'uuid',
]);
