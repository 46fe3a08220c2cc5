-- reewatch warehouse, version 8: the timeline view of 0005 (current events only) with the
-- `evidence` column of 0004 (page | feed_text | headline), which 0005's redefinition left out.
CREATE OR REPLACE VIEW event_timeline AS
SELECT e.event_id, e.date_start,
       CAST(e.date_start + CASE e.date_precision WHEN 'year' THEN INTERVAL 1 YEAR
                                                 WHEN 'month' THEN INTERVAL 1 MONTH
                                                 ELSE INTERVAL 1 DAY END - INTERVAL 1 DAY AS DATE)
           AS date_end,
       e.date, e.date_precision, e.type, e.actors, e.commodities,
       e.amount, e.currency, e.summary, e.source_count, e.first_seen, e.last_seen, e.first_run_id,
       e.evidence
FROM events e
WHERE e.retired_by IS NULL;
