-- Phone numbers in the telecom search rows are now kept as the bare 10-digit Indian mobile number
-- (+91 98220 45671, 09822045671 and 9822045671 all index as 9822045671; docs/search.md), and
-- searches are turned into the same key. This rewrites the rows written before, by the same rule as
-- server/src/search/phone.ts. Row-level security applies to the schema owner too (FORCE): where the
-- owner is not a superuser the statement sees no tenant's rows, and those rows keep their old form
-- until their resource is next written.
UPDATE sp_token
SET value = right(regexp_replace(value, '[[:space:]().-]', '', 'g'), 10)
WHERE code IN ('phone', 'telecom')
  AND (system IS NULL OR system IN ('phone', 'sms'))
  AND value IS NOT NULL
  AND regexp_replace(value, '[[:space:]().-]', '', 'g') ~ '^(\+?91|0091|0)?[6-9][0-9]{9}$';
