-- Frugal schema, version 16: the computation cache checks what it restores, and records each
-- damaged entry it finds (kind 'damaged') beside its stores and hits. SQLite cannot change a CHECK
-- constraint in place, so the table is made again with its rows; the columns are version 6's.

-- @table cache_events: each store into, hit on, and damaged entry found in the computation cache (frugal cache run).
CREATE TABLE cache_events_v16 (
  id INTEGER PRIMARY KEY,                 -- event id
  at TEXT NOT NULL,                       -- when it happened (UTC)
  kind TEXT NOT NULL CHECK (kind IN ('store', 'hit', 'damaged')), -- store: the stage ran and was cached; hit: restored without running; damaged: an entry whose objects no longer matched their hashes, removed (the stage then ran again)
  cache_key TEXT NOT NULL,                -- the entry's key (SHA-256, hex)
  compute_ms INTEGER NOT NULL,            -- how long the stage took when it ran, milliseconds (a hit saved this)
  bytes INTEGER NOT NULL,                 -- size of the entry's outputs, bytes
  username TEXT,                          -- who ran it
  team TEXT,                              -- team charged
  project TEXT,                           -- project charged
  instance_type TEXT,                     -- instance type that priced it, if any
  hourly_price_nanos INTEGER,             -- price of the instance, nano-USD per hour; NULL when unpriced
  saved_nanos INTEGER,                    -- a hit: compute_ms × the hourly price, nano-USD; NULL otherwise
  saved_usd REAL GENERATED ALWAYS AS (saved_nanos / 1000000000.0) VIRTUAL -- saved_nanos in dollars, for reading
);
INSERT INTO cache_events_v16 (id, at, kind, cache_key, compute_ms, bytes, username, team, project, instance_type,
                              hourly_price_nanos, saved_nanos)
  SELECT id, at, kind, cache_key, compute_ms, bytes, username, team, project, instance_type, hourly_price_nanos, saved_nanos
  FROM cache_events;
DROP TABLE cache_events;
ALTER TABLE cache_events_v16 RENAME TO cache_events;
CREATE INDEX cache_events_at ON cache_events (at);
