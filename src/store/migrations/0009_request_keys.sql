-- Frugal schema, version 9: idempotency keys of frugal serve, so an agent that sends again what it is not sure arrived never counts it twice.

-- @table request_keys: each write request that carried an Idempotency-Key header, recorded in the same transaction as its effect.
CREATE TABLE request_keys (
  key TEXT PRIMARY KEY,                   -- the client's key (agents: spool id / what / run / batch)
  run_id INTEGER,                         -- the run it created or wrote to
  created_at TEXT NOT NULL                -- when it was first seen (UTC)
);
