-- PostgreSQL's version 17 (see ../0017_experiment_teams.sql): the column, the team of each
-- experiment and the per-team uniqueness change in place.
ALTER TABLE experiments ADD COLUMN team TEXT;
UPDATE experiments e SET team = (
  SELECT CASE WHEN count(*) = count(r.team) AND count(DISTINCT r.team) = 1 THEN min(r.team) END
  FROM runs r WHERE r.experiment = e.name)
WHERE e.id <> 0;
ALTER TABLE experiments DROP CONSTRAINT experiments_name_key;
CREATE UNIQUE INDEX experiments_team_name ON experiments (coalesce(team, ''), name);
