-- Frugal schema, version 21: a charge's share of a run keeps the digits below an atto too, as the
-- charge itself does (version 19), so the shares of a 28-decimal charge add up to it exactly.

ALTER TABLE charge_allocations ADD COLUMN cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- the rest below an atto, 1e-28 units
