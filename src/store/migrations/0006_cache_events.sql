-- Frugal schema, version 6: what the computation cache stored and what its hits saved.

-- @table cache_events: each store into and each hit on the computation cache (frugal cache run).
CREATE TABLE cache_events (
  id INTEGER PRIMARY KEY,                 -- event id
  at TEXT NOT NULL,                       -- when it happened (UTC)
  kind TEXT NOT NULL CHECK (kind IN ('store', 'hit')), -- store: the stage ran and was cached; hit: restored without running
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
CREATE INDEX cache_events_at ON cache_events (at);
