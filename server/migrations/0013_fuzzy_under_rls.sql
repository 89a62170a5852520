-- Let the `:fuzzy` type-ahead use its trigram indexes under row-level security (docs/search.md).
-- PostgreSQL admits a user's condition into an index scan below the tenant policy only when its
-- operator is LEAKPROOF (it could otherwise reveal another tenant's rows through an error). pg_trgm
-- does not mark its match operators so: without it, a type-ahead that matches no one reads every
-- name row of the tenant (1.3-1.9 s at 100,000 patients). The three functions below only compare
-- two strings' trigram sets against a threshold; they raise no error that depends on the values
-- and have no side effects, which is what LEAKPROOF promises.
-- Marking a function LEAKPROOF needs a superuser. Where the schema owner is not one (a managed
-- database), nothing changes: `:fuzzy` still answers correctly, only more slowly.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION similarity_op(text, text) LEAKPROOF;
    ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF;
    ALTER FUNCTION word_similarity_commutator_op(text, text) LEAKPROOF;
  ELSE
    RAISE WARNING 'pg_trgm operators left as they are: only a superuser can mark them LEAKPROOF, so :fuzzy search scans instead of using its index';
  END IF;
END $$;

-- The one trigram index over six codes made a `name` type-ahead recheck every matching family,
-- given, phonetic and address row too (measured: 35,000 of 51,000 candidates thrown away for
-- "pat" at 100,000 patients). `name` gets its own partial index; the other codes share one.
DROP INDEX sp_string_fuzzy;
CREATE INDEX sp_string_fuzzy_name ON sp_string USING gin (norm gin_trgm_ops) WHERE code = 'name';
CREATE INDEX sp_string_fuzzy_other ON sp_string USING gin (norm gin_trgm_ops)
  WHERE code IN ('family', 'given', 'phonetic', 'address', 'address-city');
