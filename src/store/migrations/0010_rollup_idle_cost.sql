-- Frugal schema, version 10: run_rollups also sum the idle GPU cost, so leaderboards rank by it as fast as by cost.
-- The triggers are those of version 2 with the new column; the rollups are rebuilt from the runs.

ALTER TABLE run_rollups ADD COLUMN idle_cost_nanos INTEGER NOT NULL DEFAULT 0; -- what held GPUs cost while idle (below 5% utilisation), nano-USD
DROP TRIGGER runs_rollup_insert;
DROP TRIGGER runs_rollup_update;
DROP TRIGGER runs_rollup_delete;
DELETE FROM run_rollups;
INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos)
  SELECT 'team', substr(started_at, 1, 10), coalesce(team, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)), sum(coalesce(idle_cost_nanos, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'user', substr(started_at, 1, 10), coalesce(username, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)), sum(coalesce(idle_cost_nanos, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'project', substr(started_at, 1, 10), coalesce(project, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)), sum(coalesce(idle_cost_nanos, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'model', substr(started_at, 1, 10), coalesce(model, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)), sum(coalesce(idle_cost_nanos, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'dataset', substr(started_at, 1, 10), coalesce(dataset, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)), sum(coalesce(idle_cost_nanos, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'experiment', substr(started_at, 1, 10), coalesce(experiment, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)), sum(coalesce(idle_cost_nanos, 0)) FROM runs GROUP BY 2, 3;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
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

CREATE TRIGGER runs_rollup_update AFTER UPDATE OF started_at, status, cost_nanos, duration_ms, gpu_count, idle_cost_nanos, team, username, project, model, dataset, experiment ON runs BEGIN
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos)
    SELECT * FROM (SELECT 'team', substr(OLD.started_at, 1, 10), coalesce(OLD.team, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'user', substr(OLD.started_at, 1, 10), coalesce(OLD.username, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'project', substr(OLD.started_at, 1, 10), coalesce(OLD.project, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'model', substr(OLD.started_at, 1, 10), coalesce(OLD.model, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'dataset', substr(OLD.started_at, 1, 10), coalesce(OLD.dataset, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'experiment', substr(OLD.started_at, 1, 10), coalesce(OLD.experiment, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms, idle_cost_nanos = idle_cost_nanos + excluded.idle_cost_nanos;
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

CREATE TRIGGER runs_rollup_delete AFTER DELETE ON runs BEGIN
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos)
    SELECT * FROM (SELECT 'team', substr(OLD.started_at, 1, 10), coalesce(OLD.team, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'user', substr(OLD.started_at, 1, 10), coalesce(OLD.username, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'project', substr(OLD.started_at, 1, 10), coalesce(OLD.project, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'model', substr(OLD.started_at, 1, 10), coalesce(OLD.model, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'dataset', substr(OLD.started_at, 1, 10), coalesce(OLD.dataset, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0)
    UNION ALL SELECT 'experiment', substr(OLD.started_at, 1, 10), coalesce(OLD.experiment, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0), -coalesce(OLD.idle_cost_nanos, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms, idle_cost_nanos = idle_cost_nanos + excluded.idle_cost_nanos;
END;
