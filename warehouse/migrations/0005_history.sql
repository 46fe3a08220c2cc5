-- reewatch warehouse, version 5: history at archive scale (backfill and reprocess).

-- An event that a better model no longer finds in any of its articles is retired, not
-- deleted: its mentions stay, and `retired_by` names the nlp_version that stopped finding
-- it. A later mention (any version) brings it back (retired_by NULL again).
ALTER TABLE events ADD COLUMN retired_by VARCHAR;
ALTER TABLE events ADD COLUMN retired_at TIMESTAMP;

-- Pages the markup gate skipped: the gate vocabulary that judged them
-- (extractors.relevance.GATE_VERSION); `reewatch reprocess` re-reads them when it changes.
ALTER TABLE articles ADD COLUMN gate_version VARCHAR;

-- Backfill progress, one row per input file: a killed backfill resumes after the last
-- shard it committed (records_done / offset_done are written in that shard's transaction).
CREATE TABLE backfill_sources (
    source_key    VARCHAR PRIMARY KEY,   -- sha1(kind, absolute path, size, gate version)[:16]
    kind          VARCHAR NOT NULL,      -- warc | jsonl
    location      VARCHAR NOT NULL,
    records_done  BIGINT NOT NULL DEFAULT 0,
    offset_done   BIGINT NOT NULL DEFAULT 0,   -- byte offset of the next unread record
    relevant      BIGINT NOT NULL DEFAULT 0,
    articles      BIGINT NOT NULL DEFAULT 0,
    started_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);

-- The timeline shows current events; retired ones keep their own view.
CREATE OR REPLACE VIEW event_timeline AS
SELECT e.event_id, e.date_start,
       CAST(e.date_start + CASE e.date_precision WHEN 'year' THEN INTERVAL 1 YEAR
                                                 WHEN 'month' THEN INTERVAL 1 MONTH
                                                 ELSE INTERVAL 1 DAY END - INTERVAL 1 DAY AS DATE)
           AS date_end,
       e.date, e.date_precision, e.type, e.actors, e.commodities,
       e.amount, e.currency, e.summary, e.source_count, e.first_seen, e.last_seen, e.first_run_id
FROM events e
WHERE e.retired_by IS NULL;

CREATE VIEW retired_events AS
SELECT e.event_id, e.date, e.type, e.actors, e.commodities, e.summary, e.source_count,
       e.first_seen, e.retired_by, e.retired_at
FROM events e
WHERE e.retired_by IS NOT NULL;

-- Which command a run was: daily | backfill | reprocess. Backfill and reprocess alert only
-- on events dated after the first daily run (unless asked), so the kind must be known.
ALTER TABLE runs ADD COLUMN kind VARCHAR DEFAULT 'daily';
