-- reewatch warehouse, version 4: source kinds, where each article was seen, and evidence.
-- evidence: what an article's text (and so an event) stands on:
--   'page' (the publisher's page), 'feed_text' (the feed's own text), 'headline' (a title only).

ALTER TABLE feeds ADD COLUMN kind VARCHAR DEFAULT 'rss';

ALTER TABLE articles ADD COLUMN evidence VARCHAR DEFAULT 'page';
-- Articles stored before this version: feed fallbacks hold the feed's title and summary.
UPDATE articles SET evidence = CASE
    WHEN extraction = 'page' OR extraction = 'input' THEN 'page'
    WHEN trim(coalesce(text, '')) = trim(coalesce(title, '')) THEN 'headline'
    ELSE 'feed_text' END;

-- An event's evidence is the best of its articles' (page > feed_text > headline).
ALTER TABLE events ADD COLUMN evidence VARCHAR DEFAULT 'page';
UPDATE events SET evidence = s.best
FROM (SELECT m.event_id,
             CASE min(CASE a.evidence WHEN 'page' THEN 0 WHEN 'feed_text' THEN 1 ELSE 2 END)
                  WHEN 0 THEN 'page' WHEN 1 THEN 'feed_text' ELSE 'headline' END AS best
      FROM event_mentions m JOIN articles a ON a.article_id = m.article_id
      GROUP BY m.event_id) s
WHERE events.event_id = s.event_id;

-- Every source an article was reached through (like Media Cloud's story references): the
-- same story from an aggregator and from the publisher's feed is one article, two rows here.
CREATE TABLE article_sources (
    article_id    VARCHAR NOT NULL,          -- sha1(canonical publisher url)[:16]
    url           VARCHAR NOT NULL,
    feed_url      VARCHAR NOT NULL,
    guid          VARCHAR,                   -- the item's guid / id as the source gave it
    outlet        VARCHAR,                   -- the publisher the source names
    language      VARCHAR,
    country       VARCHAR,
    first_seen    TIMESTAMP NOT NULL,
    last_seen     TIMESTAMP NOT NULL,
    first_run_id  VARCHAR,
    PRIMARY KEY (article_id, feed_url)
);
CREATE INDEX idx_article_sources_feed ON article_sources (feed_url);

CREATE OR REPLACE VIEW event_timeline AS
SELECT e.event_id, e.date_start,
       CAST(e.date_start + CASE e.date_precision WHEN 'year' THEN INTERVAL 1 YEAR
                                                 WHEN 'month' THEN INTERVAL 1 MONTH
                                                 ELSE INTERVAL 1 DAY END - INTERVAL 1 DAY AS DATE)
           AS date_end,
       e.date, e.date_precision, e.type, e.actors, e.commodities,
       e.amount, e.currency, e.summary, e.source_count, e.first_seen, e.last_seen, e.first_run_id,
       e.evidence
FROM events e;

CREATE OR REPLACE VIEW event_sources AS
SELECT m.event_id, coalesce(a.site, f.name) AS outlet, a.site, a.title, a.url, m.sentence,
       a.published, m.trigger, m.article_id, m.mention_id, m.nlp_version,
       a.duplicate_of, a.evidence
FROM event_mentions m
JOIN articles a ON a.article_id = m.article_id
LEFT JOIN feeds f ON f.url = a.feed_url;
