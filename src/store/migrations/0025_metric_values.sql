-- Frugal schema, version 25: a run's best value of a metric, and the first point within a margin of
-- it, found by an index seek (`frugal value`): an experiment of 100,000 runs of 100 points each is
-- answered from a few seeks a run instead of 10 million rows.
CREATE INDEX metrics_run_key_value ON metrics (run_id, key, value);
