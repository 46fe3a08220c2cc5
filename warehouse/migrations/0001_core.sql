-- reewatch warehouse, version 1: feeds, articles, events and their mentions, runs, errors, alerts.
-- Timestamps are UTC (TIMESTAMP without zone, written as UTC by the code).

CREATE TABLE feeds (
    url         VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    language    VARCHAR,
    added_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE feed_state (
    feed_url              VARCHAR PRIMARY KEY,
    etag                  VARCHAR,
    last_modified         VARCHAR,
    last_polled           TIMESTAMP,
    last_success          TIMESTAMP,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    next_poll_after       TIMESTAMP,
    last_error            VARCHAR,
    last_new_items        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    flow_run_id   VARCHAR,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,          -- running | completed | failed | interrupted
    feeds_polled  INTEGER DEFAULT 0,
    feeds_failed  INTEGER DEFAULT 0,
    new_articles  INTEGER DEFAULT 0,
    new_events    INTEGER DEFAULT 0,
    alerts_sent   INTEGER DEFAULT 0,
    nlp_version   VARCHAR
);

CREATE TABLE articles (
    article_id      VARCHAR PRIMARY KEY,     -- sha1(canonical url)[:16]
    url             VARCHAR NOT NULL UNIQUE, -- canonical url
    feed_url        VARCHAR,
    title           VARCHAR,
    text            VARCHAR,
    published       TIMESTAMP,
    author          VARCHAR,
    site            VARCHAR,
    language        VARCHAR,
    extraction      VARCHAR NOT NULL,        -- page | feed | input
    fallback_reason VARCHAR,
    raw_html_gz     BLOB,
    content_hash    VARCHAR,                 -- sha1 of normalised text
    simhash         UBIGINT,                 -- 64-bit simhash of text shingles
    duplicate_of    VARCHAR,                 -- article_id of the first near-duplicate
    fetched_at      TIMESTAMP,
    first_run_id    VARCHAR,
    nlp_version     VARCHAR                  -- NULL until the event stage has run on it
);

-- One real-world event, merged over articles, outlets and days.
CREATE TABLE events (
    event_id        VARCHAR PRIMARY KEY,
    type            VARCHAR NOT NULL,
    date            VARCHAR,                 -- YYYY-MM-DD | YYYY-MM | YYYY
    date_precision  VARCHAR,
    date_start      DATE,                    -- first day the date can mean, for sorting and ranges
    actors          VARCHAR[] NOT NULL,
    commodities     VARCHAR[] NOT NULL,
    amount          DOUBLE,
    currency        VARCHAR,
    summary         VARCHAR,
    first_seen      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    first_run_id    VARCHAR,
    source_count    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE event_mentions (
    mention_id      VARCHAR PRIMARY KEY,     -- sha1(article_id, type, start, nlp_version)[:16]
    event_id        VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    type            VARCHAR NOT NULL,
    date            VARCHAR,
    date_precision  VARCHAR,
    actors          VARCHAR[],
    commodities     VARCHAR[],
    amount          DOUBLE,
    currency        VARCHAR,
    sentence        VARCHAR,
    start_char      INTEGER,
    end_char        INTEGER,
    trigger         VARCHAR,
    nlp_version     VARCHAR NOT NULL,
    run_id          VARCHAR,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE errors (
    error_id     VARCHAR PRIMARY KEY,
    run_id       VARCHAR,
    "at"         TIMESTAMP NOT NULL,      -- quoted: AT is a reserved word in DuckDB 2.0
    stage        VARCHAR NOT NULL,           -- feed | article | nlp | alert
    url          VARCHAR,
    feed_url     VARCHAR,
    kind         VARCHAR NOT NULL,
    message      VARCHAR NOT NULL,
    transient    BOOLEAN NOT NULL,
    http_status  INTEGER
);

-- Article URLs that failed transiently: retried on later runs until max attempts.
CREATE TABLE pending_urls (
    url           VARCHAR PRIMARY KEY,
    feed_url      VARCHAR,
    title         VARCHAR,
    summary       VARCHAR,
    published     TIMESTAMP,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    VARCHAR,
    next_attempt  TIMESTAMP
);

-- Outbox: one row per (event, rule); delivered rows are never sent again.
CREATE TABLE alerts (
    alert_id        VARCHAR PRIMARY KEY,     -- sha1(event_id, rule)[:16]
    event_id        VARCHAR NOT NULL,
    rule            VARCHAR NOT NULL,
    mode            VARCHAR NOT NULL,        -- each | digest
    status          VARCHAR NOT NULL,        -- pending | sending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP,
    sent_at         TIMESTAMP,
    run_id          VARCHAR
);

CREATE INDEX idx_mentions_event ON event_mentions (event_id);
CREATE INDEX idx_mentions_article ON event_mentions (article_id);
CREATE INDEX idx_events_first_run ON events (first_run_id);
CREATE INDEX idx_alerts_status ON alerts (status);
