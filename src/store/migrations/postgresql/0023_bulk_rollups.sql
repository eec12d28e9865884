-- PostgreSQL's version 23 (see ../0023_bulk_rollups.sql): the same table, and the rollup trigger
-- function skipping the inserts of a transaction that defers them. Another transaction's row 0 is
-- not visible to this one's trigger until it commits, and it is deleted before that.
CREATE TABLE rollup_deferrals (run_id BIGINT PRIMARY KEY);

CREATE OR REPLACE FUNCTION frugal_runs_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM rollup_deferrals WHERE run_id = 0) THEN RETURN NULL; END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM frugal_rollup_run(OLD, -1); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM frugal_rollup_run(NEW, 1); END IF;
  RETURN NULL;
END $$;
