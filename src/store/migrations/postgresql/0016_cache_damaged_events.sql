-- PostgreSQL's version 16 (see ../0016_cache_damaged_events.sql): the constraint changes in place.
ALTER TABLE cache_events DROP CONSTRAINT cache_events_kind_check;
ALTER TABLE cache_events ADD CONSTRAINT cache_events_kind_check CHECK (kind IN ('store', 'hit', 'damaged'));
