-- Frugal schema, version 5: runs supervised while they run (samples, live cost, budget stops) and
-- runs whose runner died recognised as lost.

ALTER TABLE runs ADD COLUMN runner_pid INTEGER; -- process id of the frugal that runs it (on host)
ALTER TABLE runs ADD COLUMN runner_start_ticks INTEGER; -- that process's start time, clock ticks since boot (tells a reused pid apart)
ALTER TABLE runs ADD COLUMN stop_reason TEXT; -- why frugal stopped it (over_budget: which budget), NULL otherwise
ALTER TABLE runs ADD COLUMN max_usd_nanos INTEGER; -- --max-usd: the run's own budget, nano-USD
ALTER TABLE runs ADD COLUMN max_gpu_hours REAL; -- --max-gpu-hours: the run's own GPU-hour budget
ALTER TABLE runs ADD COLUMN saved_nanos INTEGER; -- early stop: the estimated cost of the steps it did not run, nano-USD (needs --max-steps)
ALTER TABLE runs ADD COLUMN gpu_util_mean REAL; -- mean NVML utilisation of the GPUs it held, % ("a kernel was running", not SM occupancy)
ALTER TABLE runs ADD COLUMN gpu_util_peak REAL; -- highest such sample, %
ALTER TABLE runs ADD COLUMN gpu_mem_peak_bytes INTEGER; -- most GPU memory used on one of its GPUs, bytes
ALTER TABLE runs ADD COLUMN idle_gpu_seconds REAL; -- GPU-seconds held below 5% utilisation
ALTER TABLE runs ADD COLUMN idle_cost_nanos INTEGER; -- what those idle GPU-seconds cost, nano-USD
ALTER TABLE runs ADD COLUMN cpu_bound INTEGER; -- 1: GPUs mostly idle while the CPU was saturated (input pipeline bound)
ALTER TABLE runs ADD COLUMN work_lost_ms INTEGER; -- a failed attempt: time since its last complete checkpoint (or its start), milliseconds

-- @table checkpoints: complete checkpoints a run wrote (--checkpoint-dir) and where they were kept.
CREATE TABLE checkpoints (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the attempt that wrote it
  path TEXT NOT NULL,                     -- where it was written (under --checkpoint-dir)
  stored_at TEXT,                         -- its copy under --checkpoint-store; NULL if none or not yet
  step INTEGER,                           -- the step its name carries (ckpt-1200 → 1200), if any
  bytes INTEGER NOT NULL,                 -- size, bytes (a folder: all its files)
  time TEXT NOT NULL,                     -- when it was seen complete (UTC)
  PRIMARY KEY (run_id, path)
);
ALTER TABLE runs ADD COLUMN runner_boot TEXT; -- boot id of the machine and pid namespace of the frugal that runs it (a pid means nothing elsewhere)
ALTER TABLE runs ADD COLUMN job_pgid INTEGER; -- process group of the job, to stop what is left of it if its runner dies
ALTER TABLE runs ADD COLUMN job_start_ticks INTEGER; -- the job's start time, clock ticks since boot
