-- Lab accession numbers (docs/lab.md): the last number issued per branch and local (Asia/Kolkata)
-- day. A collection takes the next number with one INSERT ... ON CONFLICT DO UPDATE ... RETURNING in
-- its own transaction: concurrent collections queue on the row, a rolled-back one gives it back.
CREATE TABLE lab_accession_counter (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  branch_id text NOT NULL,
  accession_date date NOT NULL,
  last_number integer NOT NULL CHECK (last_number > 0),
  PRIMARY KEY (tenant_id, branch_id, accession_date)
);
ALTER TABLE lab_accession_counter ENABLE ROW LEVEL SECURITY;
ALTER TABLE lab_accession_counter FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lab_accession_counter
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON lab_accession_counter TO hospital_ops_app;
