-- Billing (docs/billing.md): invoice number series and the account ledger. Tenant-scoped like every
-- clinical table: tenant_id leads each key, row-level security forced with the tenant policy.

-- The last number issued per GSTIN, number prefix (branch prefix + series letter) and Indian
-- financial year (Apr-Mar, IST). Issuing takes the next number with one
-- INSERT ... ON CONFLICT DO UPDATE ... RETURNING in the same transaction as the Invoice write: the
-- row lock queues concurrent issues (no duplicates) and a rolled-back issue returns its number
-- with it (no gaps).
CREATE TABLE billing_number_counter (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  gstin text NOT NULL,
  prefix text NOT NULL,
  fy text NOT NULL CHECK (fy ~ '^[0-9]{4}$'),
  last_number integer NOT NULL CHECK (last_number > 0),
  PRIMARY KEY (tenant_id, gstin, prefix, fy)
);
ALTER TABLE billing_number_counter ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_number_counter FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_number_counter
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON billing_number_counter TO hospital_ops_app;

-- Every number issued, with its Invoice: the primary key makes a number unique per GSTIN whatever
-- else goes wrong, and the Invoice write hook accepts a non-draft Invoice only when its number is
-- registered here in the same transaction (so no client can mint an issued Invoice by REST).
CREATE TABLE billing_invoice_number (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  gstin text NOT NULL,
  number text NOT NULL CHECK (length(number) <= 16),
  invoice_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('invoice', 'credit-note')),
  account_id text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, gstin, number),
  UNIQUE (tenant_id, invoice_id)
);
ALTER TABLE billing_invoice_number ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_invoice_number FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_invoice_number
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON billing_invoice_number TO hospital_ops_app;

-- The account's money, one row per movement, append-only. Signed paise from the hospital's side:
-- invoice +, credit note -, payment -, deposit -, refund +. balance = sum(amount_paise); a positive
-- balance is owed by the patient, a negative one is advance held for them.
CREATE TABLE billing_ledger (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  id text NOT NULL,
  account_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('invoice', 'credit-note', 'payment', 'deposit', 'refund')),
  amount_paise bigint NOT NULL,
  method text CHECK (method IN ('cash', 'card', 'upi')),
  invoice_id text,
  resource_id text,
  cashier text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX billing_ledger_account ON billing_ledger (tenant_id, account_id);
ALTER TABLE billing_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_ledger
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON billing_ledger TO hospital_ops_app;
