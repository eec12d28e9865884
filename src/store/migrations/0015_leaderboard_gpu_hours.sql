-- Frugal schema, version 15: v_leaderboard's gpu_hours divided milliseconds by 3.6e9 (as if they
-- were microseconds), reading a thousandth of the GPU-hours `frugal top` shows. The view is made
-- again with the hour's 3,600,000 ms; its columns and documentation (version 11) are unchanged.
DROP VIEW v_leaderboard;
CREATE VIEW v_leaderboard AS SELECT
  day AS day,
  dimension AS dimension,
  key AS key,
  runs AS runs,
  failures AS failures,
  cost_nanos / 1000000000.0 AS cost_usd,
  gpu_ms / 3600000.0 AS gpu_hours,
  duration_ms / 3600000.0 AS hours,
  idle_cost_nanos / 1000000000.0 AS idle_cost_usd,
  cost_nanos AS cost_nanos
FROM run_rollups;
