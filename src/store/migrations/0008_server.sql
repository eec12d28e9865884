-- Frugal schema, version 8: what frugal serve needs: API tokens, and MLflow's experiments.

-- @table tokens: API tokens of frugal serve. Only a token's SHA-256 is kept; the token itself is shown once, when created.
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,                 -- token id (frugal token revoke ID)
  name TEXT,                              -- what it is for ("ci agents")
  token_hash TEXT NOT NULL UNIQUE,        -- SHA-256 of the token, hex (tokens are 160 random bits: no salt needed)
  prefix TEXT NOT NULL,                   -- the token's first 12 characters, to tell tokens apart in lists
  team TEXT,                              -- team it acts for; NULL for an admin token (all teams)
  role TEXT NOT NULL CHECK (role IN ('agent', 'member', 'admin')), -- agent: writes runs of its team; member: reads its team; admin: all
  created_at TEXT NOT NULL,               -- when it was made (UTC)
  expires_at TEXT,                        -- when it stops working (UTC); NULL: never
  revoked_at TEXT                         -- when it was revoked (UTC); NULL: valid
);

-- @table experiments: MLflow experiments created through the MLflow API (runs name theirs in runs.experiment).
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,                 -- MLflow experiment_id
  name TEXT NOT NULL UNIQUE,              -- experiment name; runs.experiment holds it
  artifact_location TEXT,                 -- as the client gave it
  lifecycle_stage TEXT NOT NULL DEFAULT 'active', -- active or deleted
  created_at TEXT NOT NULL                -- when it was made (UTC)
);
INSERT INTO experiments (id, name, created_at) VALUES (0, 'Default', '1970-01-01T00:00:00Z');
