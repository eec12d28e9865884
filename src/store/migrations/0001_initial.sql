-- Frugal schema, version 1. Each table's comment comes first; each column's comment says its
-- meaning and unit. Money columns end in _nanos: exact integer billionths of the row's currency
-- (USD unless a currency column says otherwise); sum them as integers, divide by 1e9 to show.
-- Times are UTC ISO-8601 text with milliseconds ('2026-11-26T14:21:49.123Z'); period ends are
-- exclusive.

-- @table runs: one attempt of a tracked job, who it is charged to, and what it cost.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,                 -- run id
  name TEXT,                              -- human label; defaults to the command's program name
  experiment TEXT,                        -- group of runs compared with each other (early stopping)
  username TEXT NOT NULL,                 -- who ran it (--user, FRUGAL_USER, $USER)
  team TEXT,                              -- team charged
  project TEXT,                           -- project charged
  model TEXT,                             -- model trained or served
  dataset TEXT,                           -- dataset read
  command TEXT NOT NULL,                  -- the command line, shell-quoted
  host TEXT,                              -- host name the job ran on
  provider TEXT,                          -- cloud provider (aws, gcp, azure, lambda, ...)
  region TEXT,                            -- cloud region
  instance_type TEXT,                     -- instance type that priced the run
  instance_id TEXT,                       -- cloud instance id, joins to charges.ResourceId
  pricing TEXT NOT NULL DEFAULT 'on_demand' CHECK (pricing IN ('on_demand', 'spot', 'committed')), -- purchase option priced
  hourly_price_nanos INTEGER,             -- price of the whole instance, nano-USD per hour
  price_source TEXT,                      -- where the price came from: 'catalog <source>', 'builtin', 'flag'
  currency TEXT NOT NULL DEFAULT 'USD',   -- ISO 4217 code of every money column of the row
  gpu_count INTEGER NOT NULL DEFAULT 0,   -- GPUs the run holds
  instance_gpu_count INTEGER NOT NULL DEFAULT 0, -- GPUs the instance has (cost share = gpu_count / instance_gpu_count)
  started_at TEXT NOT NULL,               -- when the attempt started (UTC)
  ended_at TEXT,                          -- when it ended (UTC); NULL while running
  duration_ms INTEGER,                    -- wall time, milliseconds; NULL while running
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'stopped_early', 'over_budget', 'preempted', 'killed', 'lost')), -- how it ended
  exit_code INTEGER,                      -- the command's exit status, 128+N when killed by signal N
  parent_run_id INTEGER REFERENCES runs(id), -- the attempt this one retries (attempt chain)
  attempt INTEGER NOT NULL DEFAULT 1,     -- 1 for a first attempt
  cost_nanos INTEGER,                     -- estimated cost: duration × hourly price × GPU share, nano-USD
  billed_cost_nanos INTEGER,              -- cost allocated from the cloud bill, nano-USD; NULL until reconciled
  over_quota INTEGER NOT NULL DEFAULT 0,  -- 1 when started past a quota with --allow-over-quota
  cost_usd REAL GENERATED ALWAYS AS (cost_nanos / 1000000000.0) VIRTUAL -- cost_nanos in dollars, for reading; sum cost_nanos for exact totals
);
CREATE INDEX runs_started ON runs (started_at);
CREATE INDEX runs_parent ON runs (parent_run_id);

-- @table params: a run's hyper-parameters, key → value.
CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
  key TEXT NOT NULL,                      -- parameter name
  value TEXT NOT NULL,                    -- its value, as given
  PRIMARY KEY (run_id, key)
);

-- @table tags: free-form labels of a run, key → value.
CREATE TABLE tags (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
  key TEXT NOT NULL,                      -- tag name
  value TEXT NOT NULL,                    -- tag value
  PRIMARY KEY (run_id, key)
);

-- @table metrics: values a job reports as it trains (loss, accuracy), one row per step.
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
  key TEXT NOT NULL,                      -- metric name (val_loss)
  step INTEGER NOT NULL,                  -- training step or epoch reported with it
  time TEXT NOT NULL,                     -- when it was reported (UTC)
  value REAL                              -- the value; NULL when the job reported NaN (SQLite has no NaN; PostgreSQL keeps the same rule); ±Infinity as IEEE infinities
);
CREATE INDEX metrics_run_key_step ON metrics (run_id, key, step);

-- @table samples: resource use of a run, sampled while it runs; one row per GPU per sample.
CREATE TABLE samples (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run
  time TEXT NOT NULL,                     -- when sampled (UTC)
  gpu_index INTEGER,                      -- GPU number on the host; NULL for a host-only sample
  gpu_util_pct REAL,                      -- % of the interval a kernel was running (NVML's "utilization")
  gpu_mem_bytes INTEGER,                  -- GPU memory used, bytes
  power_w REAL,                           -- GPU power draw, watts
  cpu_pct REAL,                           -- CPU use of the process tree, % of one core
  rss_bytes INTEGER                       -- resident memory of the process tree, bytes
);
CREATE INDEX samples_run_time ON samples (run_id, time);

-- @table catalog: instance and accelerator prices per provider and region (cheapest zone).
CREATE TABLE catalog (
  provider TEXT NOT NULL,                 -- aws, gcp, azure, lambda, vast, ...
  region TEXT NOT NULL,                   -- region name as the provider writes it
  kind TEXT NOT NULL CHECK (kind IN ('instance', 'accelerator')), -- 'accelerator': a GPU/TPU priced on its own (GCP), added to a VM
  instance_type TEXT NOT NULL,            -- instance type, or the accelerator name for kind 'accelerator'
  vcpus REAL,                             -- vCPUs
  memory_gib REAL,                        -- memory, GiB
  gpu_model TEXT,                         -- accelerator model (A100, H100-80GB, ...); NULL for none
  gpu_count REAL NOT NULL DEFAULT 0,      -- accelerators per instance (1 for an accelerator row)
  gpu_memory_gib REAL,                    -- accelerator memory per instance, GiB
  price_nanos INTEGER,                    -- on-demand, nano-USD per hour (cheapest zone of the region)
  spot_price_nanos INTEGER,               -- spot, nano-USD per hour (cheapest zone); NULL when not offered
  source TEXT NOT NULL,                   -- file or 'builtin' the row came from
  as_of TEXT,                             -- when the prices were published or imported (UTC)
  PRIMARY KEY (provider, region, kind, instance_type)
);
CREATE INDEX catalog_type ON catalog (instance_type);
CREATE INDEX catalog_gpu ON catalog (gpu_model);

-- @table catalog_zones: the per-zone prices behind catalog (spot varies by zone).
CREATE TABLE catalog_zones (
  provider TEXT NOT NULL,                 -- as in catalog
  region TEXT NOT NULL,                   -- as in catalog
  zone TEXT NOT NULL,                     -- availability zone
  kind TEXT NOT NULL,                     -- as in catalog
  instance_type TEXT NOT NULL,            -- as in catalog
  price_nanos INTEGER,                    -- on-demand in this zone, nano-USD per hour
  spot_price_nanos INTEGER,               -- spot in this zone, nano-USD per hour
  PRIMARY KEY (provider, region, kind, instance_type, zone)
);

-- @table quotas: budgets per team, user or project and period, enforced when a run starts.
CREATE TABLE quotas (
  scope TEXT NOT NULL CHECK (scope IN ('team', 'user', 'project')), -- what the quota limits
  name TEXT NOT NULL,                     -- which team, user or project
  period TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')), -- calendar period (UTC) the limits reset on
  limit_usd_nanos INTEGER,                -- spend allowed per period, nano-USD; NULL for no money limit
  limit_gpu_hours REAL,                   -- GPU-hours allowed per period; NULL for no GPU limit
  updated_at TEXT NOT NULL,               -- last change (UTC)
  PRIMARY KEY (scope, name, period)
);
