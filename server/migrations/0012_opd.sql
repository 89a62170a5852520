-- OPD booking and queue (docs/opd.md). Tenant-scoped like every clinical table: tenant_id leads
-- each key, row-level security forced with the tenant policy.

-- Which Appointment holds a Slot. The primary key is the double-booking guard: a second holder
-- of the same Slot fails inside the database, however many desks book at the same moment. Rows are
-- written in the same transaction as the Appointment (server/src/opd/slot-booking.ts): added while
-- its status holds the Slot, removed when it is cancelled, a no-show, entered in error or deleted.
-- Resource rows are never removed (deletes leave tombstones), so the foreign keys always hold.
CREATE TABLE opd_slot_booking (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  slot_id text NOT NULL,
  appointment_id text NOT NULL,
  booked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, slot_id),
  FOREIGN KEY (tenant_id, slot_id) REFERENCES "Slot" (tenant_id, id),
  FOREIGN KEY (tenant_id, appointment_id) REFERENCES "Appointment" (tenant_id, id)
);
CREATE INDEX opd_slot_booking_appointment ON opd_slot_booking (tenant_id, appointment_id);
ALTER TABLE opd_slot_booking ENABLE ROW LEVEL SECURITY;
ALTER TABLE opd_slot_booking FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON opd_slot_booking
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON opd_slot_booking TO hospital_ops_app;

-- The last OPD token issued per branch, practitioner and local (Asia/Kolkata) day. A check-in
-- takes the next number with one INSERT ... ON CONFLICT DO UPDATE ... RETURNING in its own
-- transaction: concurrent check-ins queue on the row, and a rolled-back one gives its number back.
CREATE TABLE opd_queue_counter (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  branch_id text NOT NULL,
  practitioner_id text NOT NULL,
  queue_date date NOT NULL,
  last_token integer NOT NULL CHECK (last_token > 0),
  PRIMARY KEY (tenant_id, branch_id, practitioner_id, queue_date)
);
ALTER TABLE opd_queue_counter ENABLE ROW LEVEL SECURITY;
ALTER TABLE opd_queue_counter FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON opd_queue_counter
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON opd_queue_counter TO hospital_ops_app;
