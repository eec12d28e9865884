-- Frugal schema, version 4: bills reconciled with runs (frugal bill reconcile).

-- @table charge_allocations: how each charge of an instance that ran jobs is split over those runs by GPU-seconds; run_id NULL is the instance's idle part.
CREATE TABLE charge_allocations (
  charge_id INTEGER NOT NULL REFERENCES charges(id) ON DELETE CASCADE, -- the charge split
  run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE, -- the run charged; NULL for idle capacity no run used
  gpu_seconds REAL NOT NULL,              -- GPU-seconds (CPU runs: seconds) the run used in the charge period
  cost_nanos INTEGER NOT NULL,            -- its share of BilledCost, nano-units (floor)
  cost_attos INTEGER NOT NULL,            -- the remainder in 1e-18 units; shares add up to BilledCost exactly
  billing_currency TEXT NOT NULL          -- currency of the charge
);
CREATE INDEX charge_allocations_run ON charge_allocations (run_id);
CREATE INDEX charge_allocations_charge ON charge_allocations (charge_id);
