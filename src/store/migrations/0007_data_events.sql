-- Frugal schema, version 7: what the data cache fetched and the egress its hits avoided.

-- @table data_events: each object the data cache served (frugal data get / prefetch): downloaded, or read from local disk instead of the network.
CREATE TABLE data_events (
  id INTEGER PRIMARY KEY,                 -- event id
  at TEXT NOT NULL,                       -- when it happened (UTC)
  kind TEXT NOT NULL CHECK (kind IN ('hit', 'miss', 'refetched')), -- hit: served from the local copy; miss: downloaded; refetched: downloaded again (changed or corrupt)
  url TEXT NOT NULL,                      -- the object (s3://, https://, http://, file://)
  provider TEXT NOT NULL,                 -- who serves it, for its egress price: aws, gcp, azure, cloudflare, local (file://) or other
  bytes INTEGER NOT NULL,                 -- size of the object, bytes
  username TEXT,                          -- who asked for it
  team TEXT,                              -- team charged
  project TEXT,                           -- project charged
  egress_nanos_per_gb INTEGER NOT NULL,   -- the provider's egress price used, nano-USD per GB (10^9 bytes)
  avoided_nanos INTEGER NOT NULL,         -- a hit: bytes × egress price, nano-USD; 0 for downloads
  journal_id TEXT UNIQUE,                 -- a hit's id in the data cache's journal (hits are appended there, off the store, and folded in by the next download, frugal data stats, report or top); NULL for downloads
  avoided_usd REAL GENERATED ALWAYS AS (avoided_nanos / 1000000000.0) VIRTUAL -- avoided_nanos in dollars, for reading
);
CREATE INDEX data_events_at ON data_events (at);
