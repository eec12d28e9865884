-- Frugal schema, version 26: the value index carries each point's step and time, so that `frugal
-- value` finds a run's best, the step of it and the first point within the margin of it from the
-- index alone. Without them every point near the best cost a read of the table's row: 100,000 runs
-- of 100 points answered in 1.0 s of SQLite time; with them in 0.45 s (docs/benchmarks.md). Writes
-- pay about 5% more SQLite CPU per metric point than with the narrower index it replaces.
DROP INDEX metrics_run_key_value;
CREATE INDEX metrics_run_key_value ON metrics (run_id, key, value, step, time);
