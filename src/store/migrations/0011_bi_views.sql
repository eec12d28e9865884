-- Frugal schema, version 11: views for BI tools (Tableau, Looker, Grafana, psql) and `frugal sql`,
-- with the same names and columns on SQLite and PostgreSQL. Dollars are for reading; sum the
-- _nanos columns for exact totals.

-- @table v_run_costs: (view) one row per run: who and what it is charged to, how long it ran, and its money in dollars.
CREATE VIEW v_run_costs AS SELECT
  id AS run_id,                           -- the run (runs.id)
  name AS name,                           -- its name
  username AS username,                   -- who ran it
  team AS team,                           -- team charged
  project AS project,                     -- project charged
  model AS model,                         -- model trained
  dataset AS dataset,                     -- dataset read
  experiment AS experiment,               -- experiment it belongs to
  provider AS provider,                   -- cloud provider
  region AS region,                       -- cloud region
  instance_type AS instance_type,         -- instance type that priced it
  pricing AS pricing,                     -- on_demand, spot or committed
  gpu_count AS gpu_count,                 -- GPUs held
  status AS status,                       -- how it ended (running while it runs)
  started_at AS started_at,               -- start (UTC)
  ended_at AS ended_at,                   -- end (UTC); NULL while running
  substr(started_at, 1, 10) AS day,       -- UTC day it started
  coalesce(duration_ms, 0) / 3600000.0 AS hours, -- wall time, hours
  coalesce(duration_ms, 0) * gpu_count / 3600000.0 AS gpu_hours, -- GPU-hours held
  cost_nanos / 1000000000.0 AS cost_usd,  -- estimated cost, USD
  billed_cost_nanos / 1000000000.0 AS billed_cost_usd, -- cost allocated from the bill, USD; NULL until reconciled
  idle_cost_nanos / 1000000000.0 AS idle_cost_usd, -- what its GPUs cost while idle, USD
  saved_nanos / 1000000000.0 AS saved_usd, -- what an early stop saved, USD
  cost_nanos AS cost_nanos                -- estimated cost, nano-USD (exact)
FROM runs;

-- @table v_daily_costs: (view) bill costs per UTC day by service, region, provider, account, team, project, user, model and dataset, in the bill's currency.
CREATE VIEW v_daily_costs AS SELECT
  day AS day,                             -- UTC day of the charges ('2026-11-26')
  dimension AS dimension,                 -- what key is: service, region, provider, account, team, project, user, model or dataset
  key AS key,                             -- the service (region, ...) name; '' when unallocated
  billing_currency AS currency,           -- ISO 4217 currency of the sums
  rows AS charge_rows,                    -- charge rows summed
  billed_cost_nanos / 1000000000.0 + billed_cost_attos / 1000000000000000000.0 AS billed_cost, -- Σ BilledCost
  effective_cost_nanos / 1000000000.0 + effective_cost_attos / 1000000000000000000.0 AS effective_cost, -- Σ EffectiveCost (after discounts)
  list_cost_nanos / 1000000000.0 + list_cost_attos / 1000000000000000000.0 AS list_cost -- Σ ListCost (list prices)
FROM charge_rollups;

-- @table v_leaderboard: (view) per-day run totals by team, user, project, model, dataset and experiment: what `frugal top` ranks.
CREATE VIEW v_leaderboard AS SELECT
  day AS day,                             -- UTC day the runs started
  dimension AS dimension,                 -- team, user, project, model, dataset or experiment
  key AS key,                             -- the team (user, ...) name; '' for runs without one
  runs AS runs,                           -- runs started
  failures AS failures,                   -- of which failed, killed or lost
  cost_nanos / 1000000000.0 AS cost_usd,  -- estimated cost, USD
  gpu_ms / 3600000000.0 AS gpu_hours,     -- GPU-hours held
  duration_ms / 3600000.0 AS hours,       -- wall time, hours
  idle_cost_nanos / 1000000000.0 AS idle_cost_usd, -- idle GPU cost, USD
  cost_nanos AS cost_nanos                -- estimated cost, nano-USD (exact)
FROM run_rollups;
