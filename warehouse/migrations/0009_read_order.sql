-- reewatch warehouse, version 9: the order articles were first read by the event stage.
--
-- Merging events is greedy (each new mention joins the closest stored event), so the
-- events depend on the order articles are read in. `read_seq` numbers the articles in the
-- order their first reading stored them (a backfill: the WARC's order; the daily run: its
-- batches); `reewatch reprocess` reads them in that order again, so re-reading an archive
-- with the same model rebuilds the same events. Articles never read yet have NULL and
-- come last (by article_id).
ALTER TABLE articles ADD COLUMN read_seq BIGINT;

-- Archives read before this version: their first reading's order is not known; the
-- daily run's order (fetched_at, then article_id) is the closest guess.
UPDATE articles SET read_seq = s.n
FROM (SELECT article_id, row_number() OVER (ORDER BY fetched_at NULLS FIRST, article_id) AS n
      FROM articles WHERE nlp_version IS NOT NULL) s
WHERE articles.article_id = s.article_id;
