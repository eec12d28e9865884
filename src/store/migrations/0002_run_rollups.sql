-- Frugal schema, version 2: per-day totals of runs, kept exact by triggers, so leaderboards and
-- quotas over months of runs read a few thousand rows instead of every run.

-- @table run_rollups: per-day totals of runs by team, user, project, model, dataset and experiment (maintained by triggers on runs; read it, never write it).
CREATE TABLE run_rollups (
  dimension TEXT NOT NULL,                -- 'team', 'user', 'project', 'model', 'dataset' or 'experiment'
  day TEXT NOT NULL,                      -- UTC day the runs started ('2026-11-26')
  key TEXT NOT NULL,                      -- the team (user, ...) name; '' for runs without one
  runs INTEGER NOT NULL,                  -- runs started that day
  failures INTEGER NOT NULL,              -- of which failed, killed or lost
  cost_nanos INTEGER NOT NULL,            -- their estimated cost, nano-USD (running runs count 0)
  gpu_ms INTEGER NOT NULL,                -- GPU-milliseconds: duration × GPUs held
  duration_ms INTEGER NOT NULL,           -- wall time, milliseconds
  PRIMARY KEY (dimension, day, key)
) WITHOUT ROWID;

INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms)
    SELECT 'team', substr(started_at, 1, 10), coalesce(team, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'user', substr(started_at, 1, 10), coalesce(username, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'project', substr(started_at, 1, 10), coalesce(project, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'model', substr(started_at, 1, 10), coalesce(model, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'dataset', substr(started_at, 1, 10), coalesce(dataset, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 2, 3 UNION ALL
  SELECT 'experiment', substr(started_at, 1, 10), coalesce(experiment, ''), count(*), sum(status IN ('failed', 'killed', 'lost')), sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), sum(coalesce(duration_ms, 0)) FROM runs GROUP BY 2, 3;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms)
    SELECT * FROM (SELECT 'team', substr(NEW.started_at, 1, 10), coalesce(NEW.team, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'user', substr(NEW.started_at, 1, 10), coalesce(NEW.username, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'project', substr(NEW.started_at, 1, 10), coalesce(NEW.project, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'model', substr(NEW.started_at, 1, 10), coalesce(NEW.model, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'dataset', substr(NEW.started_at, 1, 10), coalesce(NEW.dataset, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'experiment', substr(NEW.started_at, 1, 10), coalesce(NEW.experiment, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms;
END;

CREATE TRIGGER runs_rollup_update AFTER UPDATE OF started_at, status, cost_nanos, duration_ms, gpu_count, team, username, project, model, dataset, experiment ON runs BEGIN
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms)
    SELECT * FROM (SELECT 'team', substr(OLD.started_at, 1, 10), coalesce(OLD.team, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'user', substr(OLD.started_at, 1, 10), coalesce(OLD.username, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'project', substr(OLD.started_at, 1, 10), coalesce(OLD.project, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'model', substr(OLD.started_at, 1, 10), coalesce(OLD.model, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'dataset', substr(OLD.started_at, 1, 10), coalesce(OLD.dataset, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'experiment', substr(OLD.started_at, 1, 10), coalesce(OLD.experiment, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms;
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms)
    SELECT * FROM (SELECT 'team', substr(NEW.started_at, 1, 10), coalesce(NEW.team, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'user', substr(NEW.started_at, 1, 10), coalesce(NEW.username, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'project', substr(NEW.started_at, 1, 10), coalesce(NEW.project, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'model', substr(NEW.started_at, 1, 10), coalesce(NEW.model, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'dataset', substr(NEW.started_at, 1, 10), coalesce(NEW.dataset, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0)
    UNION ALL SELECT 'experiment', substr(NEW.started_at, 1, 10), coalesce(NEW.experiment, ''), 1, (NEW.status IN ('failed', 'killed', 'lost')), coalesce(NEW.cost_nanos, 0), coalesce(NEW.duration_ms, 0) * NEW.gpu_count, coalesce(NEW.duration_ms, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms;
END;

CREATE TRIGGER runs_rollup_delete AFTER DELETE ON runs BEGIN
  INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms)
    SELECT * FROM (SELECT 'team', substr(OLD.started_at, 1, 10), coalesce(OLD.team, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'user', substr(OLD.started_at, 1, 10), coalesce(OLD.username, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'project', substr(OLD.started_at, 1, 10), coalesce(OLD.project, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'model', substr(OLD.started_at, 1, 10), coalesce(OLD.model, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'dataset', substr(OLD.started_at, 1, 10), coalesce(OLD.dataset, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0)
    UNION ALL SELECT 'experiment', substr(OLD.started_at, 1, 10), coalesce(OLD.experiment, ''), -1, -(OLD.status IN ('failed', 'killed', 'lost')), -coalesce(OLD.cost_nanos, 0), -coalesce(OLD.duration_ms, 0) * OLD.gpu_count, -coalesce(OLD.duration_ms, 0))
    WHERE true
  ON CONFLICT (dimension, day, key) DO UPDATE SET
    runs = runs + excluded.runs, failures = failures + excluded.failures,
    cost_nanos = cost_nanos + excluded.cost_nanos, gpu_ms = gpu_ms + excluded.gpu_ms,
    duration_ms = duration_ms + excluded.duration_ms;
END;
