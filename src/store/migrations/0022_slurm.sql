-- Frugal schema, version 22: Slurm clusters. Every job a cluster's accounting knows is a run
-- (`frugal slurm import`), whether or not `frugal run` wrapped it; these tables say which job each
-- run is, what a partition's node costs and which team a Slurm account charges.

-- @table slurm_jobs: one attempt of a Slurm job (a requeue is a new attempt) and the run that records it.
CREATE TABLE slurm_jobs (
  cluster TEXT NOT NULL,                  -- Slurm's ClusterName
  job_id TEXT NOT NULL,                   -- the job as sacct names it: 123, 123_4 (array task), 123+1 (heterogeneous component)
  attempt INTEGER NOT NULL,               -- 1, then one more each time Slurm requeued the job
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run that records this attempt
  account TEXT,                           -- Slurm account charged (its team: slurm_accounts, else the account's name)
  partition TEXT,                         -- partition it ran in
  node_list TEXT,                         -- nodes it held, in Slurm's compressed form (gpu[01-04])
  nodes INTEGER NOT NULL DEFAULT 0,       -- how many nodes it held
  cpus INTEGER NOT NULL DEFAULT 0,        -- CPUs allocated
  gpus INTEGER NOT NULL DEFAULT 0,        -- GPUs allocated (gres/gpu of AllocTRES)
  gpu_type TEXT,                          -- GPU type when the allocation names one (gres/gpu:a100 → a100)
  state TEXT NOT NULL,                    -- Slurm's state as sacct wrote it (COMPLETED, FAILED, TIMEOUT, CANCELLED, ...)
  submitted_at TEXT,                      -- when it was submitted (UTC)
  started_at TEXT NOT NULL,               -- when Slurm started this attempt (UTC): what tells a job's attempts apart
  time_limit_minutes INTEGER,             -- the time limit it asked for; NULL for none
  wrapped INTEGER NOT NULL DEFAULT 0,     -- 1: `frugal run` recorded the run inside the job and the import joined it
  PRIMARY KEY (cluster, job_id, attempt)
);
CREATE INDEX slurm_jobs_run ON slurm_jobs (run_id);

-- @table slurm_partitions: what a node of a partition costs per hour, and how big a node is (frugal slurm price).
CREATE TABLE slurm_partitions (
  cluster TEXT NOT NULL,                  -- Slurm's ClusterName
  partition TEXT NOT NULL,                -- partition name
  node_hour_nanos INTEGER NOT NULL,       -- one node for one hour, nano-USD
  node_gpus INTEGER NOT NULL DEFAULT 0,   -- GPUs a node has (a job pays its GPUs' share of the node)
  node_cpus INTEGER NOT NULL DEFAULT 0,   -- CPUs a node has (a job without GPUs pays its CPUs' share)
  node_count INTEGER,                     -- nodes in the partition, for its idle node-hours; NULL when not known
  instance_type TEXT,                     -- the catalog's instance type the price came from; NULL for a rate given
  price_source TEXT NOT NULL,             -- where the price came from: 'catalog <source>', '--gpu-hour-usd 2.10', '--node-hour-usd 8'
  updated_at TEXT NOT NULL,               -- last change (UTC)
  PRIMARY KEY (cluster, partition)
);

-- @table slurm_accounts: which team a Slurm account charges, where it is not the account's own name (frugal slurm map).
CREATE TABLE slurm_accounts (
  account TEXT PRIMARY KEY,               -- Slurm account
  team TEXT NOT NULL                      -- the team its jobs are charged to
);
