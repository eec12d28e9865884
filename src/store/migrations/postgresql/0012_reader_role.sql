-- PostgreSQL's version 12: frugal_reader, a role that can SELECT the schema and nothing else.
-- `frugal sql` and the server's /sql read as it (inside READ ONLY transactions); a BI tool's login
-- gets the same rights with: CREATE ROLE grafana LOGIN PASSWORD '...' IN ROLE frugal_reader;
-- Token hashes and idempotency keys are not its to read. Without CREATEROLE the role is not made
-- and READ ONLY transactions alone keep `frugal sql` from writing.
DO $$
BEGIN
  -- Roles belong to the whole server: two databases migrating at once may both find none.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'frugal_reader') THEN
    BEGIN
      CREATE ROLE frugal_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- the other one made it
    END;
  END IF;
  EXECUTE format('GRANT frugal_reader TO %I', current_user);
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO frugal_reader', current_schema());
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO frugal_reader', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO frugal_reader', current_schema());
  REVOKE SELECT ON tokens, request_keys FROM frugal_reader;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'frugal: no privilege to create the role frugal_reader; frugal sql relies on READ ONLY transactions';
END $$;
