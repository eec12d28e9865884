-- Frugal schema, version 13: what `frugal advise` found, and the Spot Instance Advisor's bands
-- that its spot rule reads as risk.

-- @table recommendations: `frugal advise` findings: rule, target, evidence, saving per month, how to act; kept when dismissed so they stay dismissed.
CREATE TABLE recommendations (
  id TEXT PRIMARY KEY,                    -- stable id (frugal advise dismiss ID)
  rule TEXT NOT NULL,                     -- rightsize, idle_gpu, underused_gpu, spot, cheapest_offer, transfer, commitment, failed_runs, early_stop, repeated_stage, idle_instance
  team TEXT,                              -- the team it concerns; NULL when it spans teams
  target TEXT NOT NULL,                   -- what to change
  finding TEXT NOT NULL,                  -- what was seen
  evidence TEXT NOT NULL,                 -- JSON array of {name, value}: the numbers behind it
  query TEXT,                             -- SQL that shows the evidence
  monthly_saving_nanos INTEGER NOT NULL,  -- saving per 30 days, nano-USD
  confidence REAL NOT NULL,               -- 0..1
  action TEXT NOT NULL,                   -- how to act
  computed_at TEXT NOT NULL,              -- when it was last found (UTC)
  dismissed_at TEXT,                      -- when it was dismissed (UTC); NULL: open
  dismissed_why TEXT                      -- why it was dismissed
);

-- @table spot_advisor: AWS Spot Instance Advisor bands per region, OS and instance type (frugal catalog import-spot-advisor).
CREATE TABLE spot_advisor (
  region TEXT NOT NULL,                   -- AWS region (us-east-1)
  os TEXT NOT NULL,                       -- Linux or Windows
  instance_type TEXT NOT NULL,            -- instance type
  savings_pct INTEGER NOT NULL,           -- spot's saving over on-demand, %
  interruption_label TEXT NOT NULL,       -- interruption frequency band: <5%, 5-10%, 10-15%, 15-20%, >20%
  interruption_max_pct INTEGER NOT NULL,  -- the band's upper bound, %
  imported_at TEXT NOT NULL,              -- when the feed was imported (UTC)
  PRIMARY KEY (region, os, instance_type)
);
