-- Frugal schema, version 3: cloud bills. Every export (FOCUS, AWS CUR, Azure, GCP, OCI) is
-- normalized to FOCUS-shaped rows in `charges`; column names are the FOCUS names in snake_case.
-- Money from bills keeps every digit the source has: X_nanos = floor(X × 1e9) plus X_attos = the
-- remainder in 1e-18 units (0 ≤ attos < 1e9), so X = X_nanos / 1e9 + X_attos / 1e18 exactly.

-- @table imports: one row per imported bill file: what, when, and its exact totals.
CREATE TABLE imports (
  id INTEGER PRIMARY KEY,                 -- import id
  file TEXT NOT NULL,                     -- the file as given on the command line
  file_sha256 TEXT NOT NULL,              -- content hash: the same file twice is recognised
  format TEXT NOT NULL,                   -- focus, aws_cur, aws_cur2, azure, gcp, oci
  imported_at TEXT NOT NULL,              -- when (UTC)
  rows INTEGER NOT NULL,                  -- charge rows stored
  skipped_rows INTEGER NOT NULL DEFAULT 0, -- malformed rows skipped with --skip-bad-rows
  billing_period_start TEXT,              -- earliest billing period in the file (UTC)
  billing_period_end TEXT,                -- latest billing period end in the file (UTC, exclusive)
  replaced_rows INTEGER NOT NULL DEFAULT 0, -- earlier rows of the same periods this import replaced
  live_rows INTEGER NOT NULL DEFAULT 0,   -- of its rows, those not since replaced by a later import
  billed_cost_nanos INTEGER NOT NULL DEFAULT 0, -- total BilledCost, nano-units (all currencies; see import_totals)
  billed_cost_attos INTEGER NOT NULL DEFAULT 0  -- the rest of it, 1e-18 units
);

-- @table import_totals: exact totals of each import per provider, billing period and currency.
CREATE TABLE import_totals (
  import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE, -- the import
  provider_name TEXT NOT NULL,            -- ProviderName
  billing_account_id TEXT NOT NULL,       -- BillingAccountId ('' when absent)
  billing_period_start TEXT NOT NULL,     -- BillingPeriodStart (UTC)
  billing_currency TEXT NOT NULL,         -- BillingCurrency
  rows INTEGER NOT NULL,                  -- charge rows
  billed_cost_nanos INTEGER NOT NULL,     -- Σ BilledCost, nano-units
  billed_cost_attos INTEGER NOT NULL,     -- Σ BilledCost, the 1e-18 remainder (may exceed 1e9: normalise when reading)
  effective_cost_nanos INTEGER NOT NULL,  -- Σ EffectiveCost, nano-units
  effective_cost_attos INTEGER NOT NULL,  -- Σ EffectiveCost, 1e-18 remainder
  list_cost_nanos INTEGER NOT NULL,       -- Σ ListCost, nano-units
  list_cost_attos INTEGER NOT NULL,       -- Σ ListCost, 1e-18 remainder
  PRIMARY KEY (import_id, provider_name, billing_account_id, billing_period_start, billing_currency)
);

-- @table charges: cloud bill rows in FOCUS shape (FOCUS 1.0–1.2 names in snake_case), with our allocation in x_ columns.
CREATE TABLE charges (
  id INTEGER PRIMARY KEY,                 -- row id
  import_id INTEGER NOT NULL REFERENCES imports(id), -- the import that brought the row
  source_line INTEGER NOT NULL,           -- line of the source file where the row starts
  provider_name TEXT NOT NULL,            -- ProviderName (AWS, Microsoft, Google Cloud, Oracle, ...)
  publisher_name TEXT,                    -- PublisherName
  invoice_issuer_name TEXT,               -- InvoiceIssuerName
  billing_account_id TEXT NOT NULL,       -- BillingAccountId ('' when the export has none)
  billing_account_name TEXT,              -- BillingAccountName
  billing_account_type TEXT,              -- BillingAccountType (FOCUS 1.1)
  sub_account_id TEXT,                    -- SubAccountId (AWS account, Azure subscription, GCP project)
  sub_account_name TEXT,                  -- SubAccountName
  sub_account_type TEXT,                  -- SubAccountType (FOCUS 1.1)
  billing_currency TEXT NOT NULL,         -- BillingCurrency (ISO 4217) of every cost column
  billing_period_start TEXT NOT NULL,     -- BillingPeriodStart (UTC, inclusive)
  billing_period_end TEXT NOT NULL,       -- BillingPeriodEnd (UTC, exclusive)
  charge_period_start TEXT NOT NULL,      -- ChargePeriodStart (UTC, inclusive)
  charge_period_end TEXT NOT NULL,        -- ChargePeriodEnd (UTC, exclusive)
  charge_category TEXT,                   -- ChargeCategory: Usage, Purchase, Tax, Credit, Adjustment
  charge_class TEXT,                      -- ChargeClass: Correction or NULL
  charge_description TEXT,                -- ChargeDescription
  charge_frequency TEXT,                  -- ChargeFrequency: One-Time, Recurring, Usage-Based (spelling normalised)
  billed_cost_nanos INTEGER NOT NULL,     -- BilledCost, nano-units (floor)
  billed_cost_attos INTEGER NOT NULL,     -- BilledCost, the remainder in 1e-18 units
  effective_cost_nanos INTEGER NOT NULL,  -- EffectiveCost, nano-units (floor)
  effective_cost_attos INTEGER NOT NULL,  -- EffectiveCost, the remainder in 1e-18 units
  list_cost_nanos INTEGER NOT NULL,       -- ListCost, nano-units (floor)
  list_cost_attos INTEGER NOT NULL,       -- ListCost, the remainder in 1e-18 units
  contracted_cost_nanos INTEGER,          -- ContractedCost, nano-units (floor)
  contracted_cost_attos INTEGER,          -- ContractedCost, the remainder in 1e-18 units
  list_unit_price TEXT,                   -- ListUnitPrice, exact decimal text
  contracted_unit_price TEXT,             -- ContractedUnitPrice, exact decimal text
  pricing_category TEXT,                  -- PricingCategory: Standard, Dynamic (spot), Committed, Other
  pricing_quantity REAL,                  -- PricingQuantity, in pricing_unit
  pricing_unit TEXT,                      -- PricingUnit
  consumed_quantity REAL,                 -- ConsumedQuantity, in consumed_unit
  consumed_unit TEXT,                     -- ConsumedUnit (Hours, GB, Requests, ...)
  region_id TEXT,                         -- RegionId (us-east-1)
  region_name TEXT,                       -- RegionName
  availability_zone TEXT,                 -- AvailabilityZone
  resource_id TEXT,                       -- ResourceId: for instances, the id runs record (--instance-id)
  resource_name TEXT,                     -- ResourceName
  resource_type TEXT,                     -- ResourceType
  service_category TEXT,                  -- ServiceCategory (Compute, Storage, AI and Machine Learning, ...)
  service_name TEXT,                      -- ServiceName
  sku_id TEXT,                            -- SkuId
  sku_price_id TEXT,                      -- SkuPriceId
  commitment_discount_id TEXT,            -- CommitmentDiscountId (RI or Savings Plan)
  commitment_discount_name TEXT,          -- CommitmentDiscountName
  commitment_discount_category TEXT,      -- CommitmentDiscountCategory: Spend or Usage
  commitment_discount_status TEXT,        -- CommitmentDiscountStatus: Used or Unused
  commitment_discount_type TEXT,          -- CommitmentDiscountType
  tags TEXT,                              -- Tags: a JSON object of key → value
  x_team TEXT,                            -- team the row is allocated to (from tags; see frugal bill map)
  x_project TEXT,                         -- project it is allocated to
  x_user TEXT,                            -- user it is allocated to
  x_model TEXT,                           -- model it is allocated to
  x_dataset TEXT,                         -- dataset it is allocated to
  x_run_id INTEGER                        -- run it is allocated to (reconciliation)
);
-- Two indexes only, both cheap to extend: every index costs every imported row, and a random-order
-- one (resource ids) falls out of cache on multi-million-row bills (see docs/benchmarks.md).
-- Replacement finds earlier rows through import_totals and import_id; reconciliation scans once.
CREATE INDEX charges_import ON charges (import_id);
CREATE INDEX charges_time ON charges (charge_period_start);

-- @table charge_rollups: per-day totals of charges by service, region, provider, account, team, project, user, model and dataset (kept by the importer; read it, never write it).
CREATE TABLE charge_rollups (
  dimension TEXT NOT NULL,                -- service, region, provider, account, team, project, user, model, dataset
  day TEXT NOT NULL,                      -- UTC day of ChargePeriodStart ('2024-09-18')
  key TEXT NOT NULL,                      -- the service (region, ...) name; '' when unallocated or absent
  billing_currency TEXT NOT NULL,         -- currency of the sums
  rows INTEGER NOT NULL,                  -- charge rows
  billed_cost_nanos INTEGER NOT NULL,     -- Σ BilledCost, nano-units
  billed_cost_attos INTEGER NOT NULL,     -- Σ BilledCost, 1e-18 remainder (may exceed 1e9)
  effective_cost_nanos INTEGER NOT NULL,  -- Σ EffectiveCost, nano-units
  effective_cost_attos INTEGER NOT NULL,  -- Σ EffectiveCost, 1e-18 remainder
  list_cost_nanos INTEGER NOT NULL,       -- Σ ListCost, nano-units
  list_cost_attos INTEGER NOT NULL,       -- Σ ListCost, 1e-18 remainder
  PRIMARY KEY (dimension, day, key, billing_currency)
) WITHOUT ROWID;

-- @table tag_mappings: which tag keys allocate charges to a team, project, user, model or dataset (frugal bill map).
CREATE TABLE tag_mappings (
  dimension TEXT NOT NULL CHECK (dimension IN ('team', 'project', 'user', 'model', 'dataset')), -- the x_ column filled
  tag_key TEXT NOT NULL,                  -- a tag key, matched case-insensitively (team, Team, kubernetes.io/team)
  priority INTEGER NOT NULL,              -- lower wins when several keys are present
  PRIMARY KEY (dimension, tag_key)
);
INSERT INTO tag_mappings (dimension, tag_key, priority) VALUES
  ('team', 'team', 1), ('team', 'kubernetes.io/team', 2), ('team', 'app.kubernetes.io/part-of', 3),
  ('project', 'project', 1), ('project', 'kubernetes.io/project', 2), ('project', 'app.kubernetes.io/name', 3),
  ('user', 'user', 1), ('user', 'owner', 2), ('user', 'created-by', 3),
  ('model', 'model', 1), ('dataset', 'dataset', 1);
