-- Type-ahead reads each ranking tier (exact, prefix, any word) shortest first and stops when the
-- page is full: these indexes give that order and the prefix range without sorting all matches.
CREATE INDEX terminology_concept_len ON terminology_concept (system, length(norm), norm);
CREATE INDEX terminology_concept_prefix ON terminology_concept (system, norm text_pattern_ops);
CREATE INDEX terminology_designation_len ON terminology_designation (system, length(norm), norm) WHERE norm IS NOT NULL;
CREATE INDEX terminology_designation_prefix ON terminology_designation (system, norm text_pattern_ops) WHERE norm IS NOT NULL;
