-- Frugal schema, version 19: bill money keeps 28 decimal places, not 18 (Azure's amortized-cost
-- exports write .NET decimals, up to 28 places: 0.0001188669167459011366). Each money column gains
-- X_sub_attos, the part below an atto in 1e-28 units (0 ≤ v < 1e10 per row; sums may pass 1e10:
-- carry into attos when reading), so X = X_nanos / 1e9 + X_attos / 1e18 + X_sub_attos / 1e28
-- exactly and every total stays a plain integer sum(). Rows imported before hold 0.

ALTER TABLE charges ADD COLUMN billed_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- BilledCost, the remainder below an atto in 1e-28 units
ALTER TABLE charges ADD COLUMN effective_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- EffectiveCost, the remainder below an atto in 1e-28 units
ALTER TABLE charges ADD COLUMN list_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- ListCost, the remainder below an atto in 1e-28 units
ALTER TABLE charges ADD COLUMN contracted_cost_sub_attos INTEGER; -- ContractedCost, the remainder below an atto in 1e-28 units (NULL with it)
ALTER TABLE charge_rollups ADD COLUMN billed_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- Σ BilledCost, 1e-28 remainder below the atto (may exceed 1e10)
ALTER TABLE charge_rollups ADD COLUMN effective_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- Σ EffectiveCost, 1e-28 remainder
ALTER TABLE charge_rollups ADD COLUMN list_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- Σ ListCost, 1e-28 remainder
ALTER TABLE import_totals ADD COLUMN billed_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- Σ BilledCost, 1e-28 remainder below the atto
ALTER TABLE import_totals ADD COLUMN effective_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- Σ EffectiveCost, 1e-28 remainder
ALTER TABLE import_totals ADD COLUMN list_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- Σ ListCost, 1e-28 remainder
ALTER TABLE imports ADD COLUMN billed_cost_sub_attos INTEGER NOT NULL DEFAULT 0; -- total BilledCost, the rest below an atto, 1e-28 units

-- v_daily_costs adds the new part; its columns and documentation (version 11) are unchanged.
DROP VIEW v_daily_costs;
CREATE VIEW v_daily_costs AS SELECT
  day AS day,
  dimension AS dimension,
  key AS key,
  billing_currency AS currency,
  rows AS charge_rows,
  billed_cost_nanos / 1000000000.0 + billed_cost_attos / 1000000000000000000.0 + billed_cost_sub_attos / 10000000000000000000000000000.0 AS billed_cost,
  effective_cost_nanos / 1000000000.0 + effective_cost_attos / 1000000000000000000.0 + effective_cost_sub_attos / 10000000000000000000000000000.0 AS effective_cost,
  list_cost_nanos / 1000000000.0 + list_cost_attos / 1000000000000000000.0 + list_cost_sub_attos / 10000000000000000000000000000.0 AS list_cost
FROM charge_rollups;
