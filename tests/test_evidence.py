"""`evidence` (page / feed_text / headline) is shown everywhere an event is: events (table and
JSON), timeline, sources, feeds (share per source), the HTML report and alert messages."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from extractors.articles import feed_article, feed_text
from extractors.types import FeedEntry
from flows import alerts
from flows.report import render_report
from tests.test_cli_query import EVENTS, FEEDS, _id, invoke, make_sample_db

HEADLINE_EVENT = _id(2, "cn-controls")  # its articles 3, 4, 5 become headline-only
FEED_TEXT_EVENT = _id(6, "us-232")  # its article 9 becomes feed text


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_sample_db(tmp_path_factory.mktemp("ev") / "reewatch.duckdb")
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE articles SET evidence = 'headline', extraction = 'feed' "
                    "WHERE article_id IN ('art03', 'art04', 'art05')")
        con.execute("UPDATE articles SET evidence = 'feed_text', extraction = 'feed' WHERE article_id = 'art09'")
        con.execute("UPDATE events SET evidence = 'headline' WHERE event_id = ?", [HEADLINE_EVENT])
        con.execute("UPDATE events SET evidence = 'feed_text' WHERE event_id = ?", [FEED_TEXT_EVENT])
        con.execute("INSERT INTO article_sources SELECT article_id, url, feed_url, NULL, site, 'en', NULL, "
                    "fetched_at, fetched_at, first_run_id FROM articles")
    finally:
        con.close()
    return path


def test_events_json_and_table(db):
    records = json.loads(invoke("events", "--db", str(db), "--format", "json").stdout)
    by_id = {r["event_id"]: r["evidence"] for r in records}
    assert len(by_id) == len(EVENTS)
    assert by_id[HEADLINE_EVENT] == "headline" and by_id[FEED_TEXT_EVENT] == "feed_text"
    assert sum(v == "page" for v in by_id.values()) == len(EVENTS) - 2
    table = invoke("events", "--db", str(db)).stdout
    assert "headline only" in table and "feed text only" in table


def test_timeline_and_sources(db):
    assert "headline only" in invoke("timeline", "--db", str(db)).stdout
    out = invoke("sources", HEADLINE_EVENT[:10], "--db", str(db)).stdout
    assert out.count("evidence: headline only") == 4  # the event line and its three articles
    rows = json.loads(invoke("sources", HEADLINE_EVENT[:10], "--db", str(db), "--format", "json").stdout)
    assert {r["evidence"] for r in rows} == {"headline"}


def test_feeds_share_of_each_evidence(db):
    rows = json.loads(invoke("feeds", "--db", str(db), "--format", "json").stdout)
    by_url = {r["feed_url"]: r for r in rows}
    # articles 1..14 alternate between the first two feeds (n % 2)
    odd = by_url[FEEDS[1][0]]  # 1,3,5,7,9,11,13: 3 and 5 headline, 9 feed text
    assert (odd["evidence_page"], odd["evidence_feed_text"], odd["evidence_headline"]) == (4, 1, 2)
    table = invoke("feeds", "--db", str(db)).stdout
    assert "title 29%" in table and "feed 14%" in table


def test_report_and_alert_messages(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * FROM event_timeline")
        cols = [c[0] for c in cur.description]
        events = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        page = render_report(events, {HEADLINE_EVENT: [{"outlet": "x", "title": "t", "url": "https://x.example/",
                                                        "evidence": "headline"}]})
        alert = {"alert_id": "a1", "event_id": HEADLINE_EVENT, "rule": "r", "mode": "each",
                 "type": "export_control", "evidence": "headline", "summary": "s"}
        message = alerts.build_message(con, [alert])
    finally:
        con.close()
    assert page.count("headline only") >= 2 and "feed text only" in page
    assert "Evidence: a headline only" in message.body
    assert message.body.count("headline only") == 4  # the evidence line and three sources


def test_richest_feed_text_is_kept():
    entry = FeedEntry("https://f.example/rss", "https://p.example/a", title="Title",
                      summary="Short description.", content="<p>Full text one.</p><p>Two.</p>")
    text, evidence, part = feed_text(entry)
    assert part == "content:encoded" and evidence == "feed_text" and "Full text one.\n\nTwo." in text
    only_title = FeedEntry("https://f.example/rss", "https://p.example/b", title="Title", summary="Title")
    assert feed_text(only_title)[1:] == ("headline", "title")
    article = feed_article(only_title, "http_403")
    assert article.evidence == "headline" and article.fallback_reason == "http_403"
