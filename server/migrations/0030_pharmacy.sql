-- Pharmacy stock (docs/pharmacy.md). Tenant-scoped like every clinical table: tenant_id leads each
-- key, row-level security forced with the tenant policy. Only server/src/pharmacy/ reads or writes
-- these tables, always in the same transaction as the FHIR resources a movement writes.

-- A stocked batch: the immutable facts of one lot of one item, keyed by its Medication resource
-- (Medication.batch). Written once at its first goods receipt; prices here are the receipt's.
CREATE TABLE pharmacy_batch (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  medication_id text NOT NULL,
  -- The catalogue item, `system|code` of the Medication's item coding (what prescriptions name).
  item text NOT NULL,
  item_display text NOT NULL,
  lot text NOT NULL,
  expiry date NOT NULL,
  -- Money in paise, per base unit (tablet, bottle): MRP is what a patient pays.
  mrp_paise bigint NOT NULL CHECK (mrp_paise >= 0),
  purchase_paise bigint NOT NULL CHECK (purchase_paise >= 0),
  pack_size integer NOT NULL CHECK (pack_size > 0),
  hsn text NOT NULL,
  -- Drugs and Cosmetics Rules schedule: OTC, H, H1 or X.
  schedule text NOT NULL CHECK (schedule IN ('OTC', 'H', 'H1', 'X')),
  -- Active ingredients and strengths, normalised (lower case, single spaces): a generic substitute
  -- must have exactly the prescribed item's composition.
  composition text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, medication_id),
  UNIQUE (tenant_id, item, lot),
  FOREIGN KEY (tenant_id, medication_id) REFERENCES "Medication" (tenant_id, id)
);
CREATE INDEX pharmacy_batch_item ON pharmacy_batch (tenant_id, item, expiry);
ALTER TABLE pharmacy_batch ENABLE ROW LEVEL SECURITY;
ALTER TABLE pharmacy_batch FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pharmacy_batch
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON pharmacy_batch TO hospital_ops_app;

-- The ledger, the truth: one immutable row per movement of one batch in one store. qty is signed
-- (+ into the store, - out of it). The runtime role may only INSERT and SELECT; the trigger below
-- refuses UPDATE for every role, so not even the owner edits history (tenant deletion may DELETE).
CREATE TABLE pharmacy_ledger (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  seq bigserial NOT NULL,
  store_id text NOT NULL,
  medication_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN (
    'receipt', 'dispense', 'return-from-patient', 'return-to-supplier', 'transfer-out', 'transfer-in', 'adjustment'
  )),
  qty integer NOT NULL CHECK (qty <> 0),
  -- Adjustments only: damage, expiry-write-off, count-correction.
  reason text CHECK ((kind = 'adjustment') = (reason IS NOT NULL)),
  -- The FHIR resource that records the movement (SupplyDelivery/.., MedicationDispense/..).
  reference text,
  -- The prescription a dispense or return counts against (MedicationRequest/..), for what is pending.
  request text,
  actor text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq),
  FOREIGN KEY (tenant_id, medication_id) REFERENCES pharmacy_batch (tenant_id, medication_id),
  FOREIGN KEY (tenant_id, store_id) REFERENCES "Location" (tenant_id, id),
  CHECK (
    (kind IN ('receipt', 'return-from-patient', 'transfer-in') AND qty > 0)
    OR (kind IN ('dispense', 'return-to-supplier', 'transfer-out') AND qty < 0)
    OR kind = 'adjustment'
  )
);
CREATE INDEX pharmacy_ledger_batch ON pharmacy_ledger (tenant_id, store_id, medication_id);
CREATE INDEX pharmacy_ledger_request ON pharmacy_ledger (tenant_id, request) WHERE request IS NOT NULL;
CREATE INDEX pharmacy_ledger_reference ON pharmacy_ledger (tenant_id, reference) WHERE reference IS NOT NULL;
ALTER TABLE pharmacy_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE pharmacy_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pharmacy_ledger
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON pharmacy_ledger TO hospital_ops_app;
GRANT USAGE ON SEQUENCE pharmacy_ledger_seq_seq TO hospital_ops_app;

CREATE FUNCTION pharmacy_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'pharmacy_ledger is append-only: correct a movement with a new adjustment entry';
END $$;
CREATE TRIGGER pharmacy_ledger_no_update BEFORE UPDATE ON pharmacy_ledger
  FOR EACH ROW EXECUTE FUNCTION pharmacy_ledger_immutable();

-- The balance of one batch in one store: a cache of SUM(ledger.qty), changed only in the same
-- transaction as the ledger row that explains it, by a guarded UPDATE (on_hand >= n) so that
-- concurrent dispenses never take it below zero. `npm run admin -- pharmacy reconcile` proves it.
CREATE TABLE pharmacy_stock (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  store_id text NOT NULL,
  medication_id text NOT NULL,
  on_hand integer NOT NULL CHECK (on_hand >= 0),
  last_movement timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, store_id, medication_id),
  FOREIGN KEY (tenant_id, medication_id) REFERENCES pharmacy_batch (tenant_id, medication_id),
  FOREIGN KEY (tenant_id, store_id) REFERENCES "Location" (tenant_id, id)
);
ALTER TABLE pharmacy_stock ENABLE ROW LEVEL SECURITY;
ALTER TABLE pharmacy_stock FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pharmacy_stock
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON pharmacy_stock TO hospital_ops_app;

-- Reorder level of an item in a store (below it, the morning stock alert raises a Task).
CREATE TABLE pharmacy_reorder_level (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  store_id text NOT NULL,
  item text NOT NULL,
  reorder_level integer NOT NULL CHECK (reorder_level >= 0),
  PRIMARY KEY (tenant_id, store_id, item),
  FOREIGN KEY (tenant_id, store_id) REFERENCES "Location" (tenant_id, id)
);
ALTER TABLE pharmacy_reorder_level ENABLE ROW LEVEL SECURITY;
ALTER TABLE pharmacy_reorder_level FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pharmacy_reorder_level
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON pharmacy_reorder_level TO hospital_ops_app;

-- The Schedule H1 and X registers (Drugs and Cosmetics Rules, 1945): one immutable line per
-- dispensed batch of such a drug, with patient, prescriber, quantity, date and batch, kept and printable.
CREATE TABLE pharmacy_register (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  seq bigserial NOT NULL,
  schedule text NOT NULL CHECK (schedule IN ('H1', 'X')),
  dispense_id text NOT NULL,
  store_id text NOT NULL,
  medication_id text NOT NULL,
  item_display text NOT NULL,
  lot text NOT NULL,
  qty integer NOT NULL CHECK (qty > 0),
  patient text NOT NULL,
  patient_name text NOT NULL,
  prescriber text NOT NULL,
  prescriber_name text NOT NULL,
  prescription text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq),
  FOREIGN KEY (tenant_id, dispense_id) REFERENCES "MedicationDispense" (tenant_id, id)
);
CREATE INDEX pharmacy_register_at ON pharmacy_register (tenant_id, schedule, at);
ALTER TABLE pharmacy_register ENABLE ROW LEVEL SECURITY;
ALTER TABLE pharmacy_register FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pharmacy_register
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON pharmacy_register TO hospital_ops_app;
GRANT USAGE ON SEQUENCE pharmacy_register_seq_seq TO hospital_ops_app;
CREATE TRIGGER pharmacy_register_no_update BEFORE UPDATE ON pharmacy_register
  FOR EACH ROW EXECUTE FUNCTION pharmacy_ledger_immutable();
