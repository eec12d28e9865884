-- Frugal schema, version 23: a bulk insert of runs (a Slurm cluster's accounting: 100,000 jobs at
-- a time) adds their per-day rollups in one aggregate at its end instead of six upserts a run in
-- the trigger, which cost 45 µs a run in a file of 64 KiB pages. Outside such an insert's
-- transaction the table is empty and the trigger works as before.

-- @table rollup_deferrals: runs whose per-day rollups a bulk insert adds itself, at its end; empty outside that insert's transaction.
CREATE TABLE rollup_deferrals (
  run_id INTEGER PRIMARY KEY              -- a run inserted in bulk; 0 while a bulk insert defers the rollups of the runs it inserts
);

DROP TRIGGER runs_rollup_insert;
CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs
WHEN NOT EXISTS (SELECT 1 FROM rollup_deferrals WHERE run_id = 0) BEGIN
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos)
    SELECT * FROM (SELECT 'team', substr(NEW.started_at, 1, 10), coalesce(NEW.team, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0), coalesce(NEW.idle_cost_nanos, 0)
    UNION ALL SELECT 'user', substr(NEW.started_at, 1, 10), coalesce(NEW.username, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0), coalesce(NEW.idle_cost_nanos, 0)
    UNION ALL SELECT 'project', substr(NEW.started_at, 1, 10), coalesce(NEW.project, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0), coalesce(NEW.idle_cost_nanos, 0)
    UNION ALL SELECT 'model', substr(NEW.started_at, 1, 10), coalesce(NEW.model, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0), coalesce(NEW.idle_cost_nanos, 0)
    UNION ALL SELECT 'dataset', substr(NEW.started_at, 1, 10), coalesce(NEW.dataset, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0), coalesce(NEW.idle_cost_nanos, 0)
    UNION ALL SELECT 'experiment', substr(NEW.started_at, 1, 10), coalesce(NEW.experiment, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0), coalesce(NEW.idle_cost_nanos, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms, idle_cost_nanos = idle_cost_nanos + excluded.idle_cost_nanos;
END;
