-- Frugal schema, version 20: Azure writes one month of spend as two views, actual cost and
-- amortized cost. An import remembers which it was, so the two merge (usage from the amortized
-- view, commitment purchases from the actual view) instead of replacing each other.

ALTER TABLE imports ADD COLUMN cost_view TEXT; -- 'actual' or 'amortized' for an Azure cost export; NULL for formats with one view
