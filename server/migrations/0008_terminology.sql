-- Terminology: platform-wide reference data (SNOMED CT, LOINC, ICD-10...), shared by every tenant,
-- so no tenant_id and no row-level security. Imports run as the schema owner (one transaction per
-- code system, so a failed import leaves the previous version in place); the runtime role only
-- reads. See terminology/README.md for the design and its measurements.

-- One row per imported code system (its canonical URL) and the version that is loaded.
CREATE TABLE terminology_system (
  url text PRIMARY KEY,
  version text NOT NULL,
  name text NOT NULL,
  -- what was imported: the release folder or file
  source text,
  concept_count integer NOT NULL DEFAULT 0,
  imported_at timestamptz NOT NULL DEFAULT now()
);

-- One row per concept. `norm` is the display lower-cased, Latin accents stripped, every run of
-- non-letters/digits replaced by one space, with a leading space: a word prefix is then
-- `norm LIKE '% diab%'`, which the trigram index serves. `ancestors` is the concept's transitive
-- is-a closure (every ancestor, not itself), computed at import from terminology_parent: "X is a
-- descendant of Y" is one primary-key probe, and "everything under Y" one GIN lookup, without
-- walking the graph. It replaces a closure table at a fraction of its size (see the README).
CREATE TABLE terminology_concept (
  system text NOT NULL,
  code text NOT NULL,
  display text NOT NULL,
  norm text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  properties jsonb,
  ancestors text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (system, code)
);
CREATE INDEX terminology_concept_norm ON terminology_concept USING gin (norm gin_trgm_ops);
CREATE INDEX terminology_concept_ancestors ON terminology_concept USING gin (ancestors);

-- Other terms of a concept: synonyms, fully specified names, translations (Hindi...). `norm` as
-- above for the terms type-ahead searches, NULL for those it does not (SNOMED FSNs).
CREATE TABLE terminology_designation (
  system text NOT NULL,
  code text NOT NULL,
  language text,
  use_system text,
  use_code text,
  value text NOT NULL,
  -- the preferred term in its language (SNOMED language reference set), else false
  preferred boolean NOT NULL DEFAULT false,
  norm text
);
CREATE INDEX terminology_designation_concept ON terminology_designation (system, code);
CREATE INDEX terminology_designation_norm ON terminology_designation USING gin (norm gin_trgm_ops) WHERE norm IS NOT NULL;

-- Direct is-a edges (SNOMED CT inferred is-a relationships, LOINC multi-axial hierarchy, ICD-10
-- SuperClass), indexed both ways: parents of a concept, children of a concept.
CREATE TABLE terminology_parent (
  system text NOT NULL,
  child text NOT NULL,
  parent text NOT NULL,
  PRIMARY KEY (system, child, parent)
);
CREATE INDEX terminology_parent_children ON terminology_parent (system, parent, child);

GRANT SELECT ON terminology_system, terminology_concept, terminology_designation, terminology_parent TO hospital_ops_app;
