-- reewatch warehouse, version 3: remember whether an event's date is a real one.
-- 'published' = the day came only from an article's publication date (the extractor's
-- fallback); merging treats such a day as weak evidence and a later explicit date
-- replaces it.  See extractors/dedup.py.
ALTER TABLE events ADD COLUMN date_basis VARCHAR DEFAULT 'explicit';
