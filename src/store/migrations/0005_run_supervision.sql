-- Frugal schema, version 5: runs supervised while they run (samples, live cost, budget stops) and
-- runs whose runner died recognised as lost.

ALTER TABLE runs ADD COLUMN runner_pid INTEGER; -- process id of the frugal that runs it (on host)
ALTER TABLE runs ADD COLUMN runner_start_ticks INTEGER; -- that process's start time, clock ticks since boot (tells a reused pid apart)
ALTER TABLE runs ADD COLUMN stop_reason TEXT; -- why frugal stopped it (over_budget: which budget), NULL otherwise
ALTER TABLE runs ADD COLUMN max_usd_nanos INTEGER; -- --max-usd: the run's own budget, nano-USD
ALTER TABLE runs ADD COLUMN max_gpu_hours REAL; -- --max-gpu-hours: the run's own GPU-hour budget
ALTER TABLE runs ADD COLUMN saved_nanos INTEGER; -- early stop: the estimated cost of the steps it did not run, nano-USD (needs --max-steps)
