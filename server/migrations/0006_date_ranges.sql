-- Date search compares ranges: [low, high] of the stored value against the search value's range.
-- A GiST index on the range answers overlap/containment with both ends at once (a btree on one
-- end scans half the table for "ge X AND le Y"). btree_gist lets tenant, type and code lead it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE INDEX sp_date_range ON sp_date USING gist (tenant_id, resource_type, code, tstzrange(low, high, '[]'));
DROP INDEX sp_date_low;
