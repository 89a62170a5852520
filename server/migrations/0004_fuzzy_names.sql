-- Fuzzy (trigram) matching for type-ahead on names, addresses and phone-like strings: the
-- `:fuzzy` search modifier (docs/search.md). Partial, so that other strings cost nothing extra.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX sp_string_fuzzy ON sp_string USING gin (norm gin_trgm_ops)
  WHERE code IN ('name', 'family', 'given', 'phonetic', 'address', 'address-city');
