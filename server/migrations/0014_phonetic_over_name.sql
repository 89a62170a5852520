-- `phonetic` is now searched over the `name` rows by trigram closeness (docs/search.md), so its
-- rows, an exact copy of the name rows, are no longer written; this removes the ones already there.
-- Row-level security applies to the schema owner too (FORCE): where the owner is not a superuser the
-- statement sees no tenant's rows and the old copies stay, unread, until their resource is next written.
DELETE FROM sp_string WHERE code = 'phonetic';
