-- PostgreSQL's version 2: the run_rollups table. Its triggers, which SQLite writes as statement
-- bodies PostgreSQL has no syntax for, are created by postgresql/0010_rollup_idle_cost.sql in
-- their final form (one PL/pgSQL function for insert, update and delete), which also fills the
-- table from the runs already there.
CREATE TABLE run_rollups (
  dimension TEXT NOT NULL,
  day TEXT NOT NULL,
  key TEXT NOT NULL,
  runs BIGINT NOT NULL,
  failures BIGINT NOT NULL,
  cost_nanos BIGINT NOT NULL,
  gpu_ms BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  PRIMARY KEY (dimension, day, key)
);
