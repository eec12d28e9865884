-- Frugal schema, version 17: an experiment belongs to a team, or is shared by all (team NULL), so
-- a team's members see and its agents write their own experiments and the shared ones, and a name
-- is unique within a team (two teams may each have a "baseline"). An experiment made before this
-- version gets the team of its runs when all of them are of that one team; one whose runs are of
-- several teams or of none, or that has no runs, is shared, as Default (id 0) stays. SQLite cannot
-- drop the name's UNIQUE in place, so the table is made again with its rows.

-- @table experiments: MLflow experiments, each of one team or shared (runs name theirs in runs.experiment: a run is in its team's experiment of that name, else the shared one).
CREATE TABLE experiments_v17 (
  id INTEGER PRIMARY KEY,                 -- MLflow experiment_id
  name TEXT NOT NULL,                     -- experiment name, unique among what one team sees (its own and the shared); runs.experiment holds it
  team TEXT,                              -- team it belongs to; NULL: shared by all teams (Default, and those an admin makes)
  artifact_location TEXT,                 -- as the client gave it
  lifecycle_stage TEXT NOT NULL DEFAULT 'active', -- active or deleted
  created_at TEXT NOT NULL                -- when it was made (UTC)
);
INSERT INTO experiments_v17 (id, name, team, artifact_location, lifecycle_stage, created_at)
  SELECT e.id, e.name,
         CASE WHEN e.id = 0 THEN NULL
              ELSE (SELECT CASE WHEN count(*) = count(r.team) AND count(DISTINCT r.team) = 1 THEN min(r.team) END
                    FROM runs r WHERE r.experiment = e.name) END,
         e.artifact_location, e.lifecycle_stage, e.created_at
  FROM experiments e;
DROP TABLE experiments;
ALTER TABLE experiments_v17 RENAME TO experiments;
CREATE UNIQUE INDEX experiments_team_name ON experiments (coalesce(team, ''), name);
