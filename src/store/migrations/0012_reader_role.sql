-- Frugal schema, version 12: nothing on SQLite, whose read-only connections are guarded by an
-- authorizer. On PostgreSQL (postgresql/0012_reader_role.sql) the role frugal_reader, which
-- `frugal sql` reads as and BI tools' logins can be granted.
SELECT 1;
