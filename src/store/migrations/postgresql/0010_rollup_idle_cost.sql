-- PostgreSQL's version 10 (see ../0010_rollup_idle_cost.sql for what the columns mean): the same
-- column, and the rollups kept by one trigger function that subtracts a run's old row and adds
-- its new one. Six dimensions in a fixed order, so concurrent writers lock rollup rows in the
-- same order and never deadlock on them.
ALTER TABLE run_rollups ADD COLUMN idle_cost_nanos BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION frugal_rollup_run(r runs, sign BIGINT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO run_rollups AS t (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos)
  SELECT d.dimension, substr(r.started_at, 1, 10), coalesce(d.key, ''), sign,
         sign * (CASE WHEN r.status IN ('failed', 'killed', 'lost') THEN 1 ELSE 0 END),
         sign * coalesce(r.cost_nanos, 0), sign * coalesce(r.duration_ms, 0) * r.gpu_count,
         sign * coalesce(r.duration_ms, 0), sign * coalesce(r.idle_cost_nanos, 0)
  FROM (VALUES (1, 'team', r.team), (2, 'user', r.username), (3, 'project', r.project), (4, 'model', r.model),
               (5, 'dataset', r.dataset), (6, 'experiment', r.experiment)) AS d(position, dimension, key)
  ORDER BY d.position
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = t.runs + excluded.runs, failures = t.failures + excluded.failures,
    cost_nanos = t.cost_nanos + excluded.cost_nanos, gpu_ms = t.gpu_ms + excluded.gpu_ms,
    duration_ms = t.duration_ms + excluded.duration_ms, idle_cost_nanos = t.idle_cost_nanos + excluded.idle_cost_nanos;
$$;

CREATE FUNCTION frugal_runs_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM frugal_rollup_run(OLD, -1); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM frugal_rollup_run(NEW, 1); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER runs_rollup AFTER INSERT OR DELETE OR UPDATE OF started_at, status, cost_nanos, duration_ms, gpu_count,
  idle_cost_nanos, team, username, project, model, dataset, experiment ON runs
  FOR EACH ROW EXECUTE FUNCTION frugal_runs_rollup();

DELETE FROM run_rollups;
SELECT frugal_rollup_run(r, 1) FROM runs r;
