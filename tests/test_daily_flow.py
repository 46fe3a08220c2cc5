"""End to end: the real Prefect flow against loopback news into a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.demo import DemoServer, write_demo_config
from tests.httpserver import TestServer
from tests.newsworld import NewsWorld, Story
from tests.warehouse_query import q
from tests.webhook import webhook_fixture  # noqa: F401  (registered as `webhook`)

pytestmark = pytest.mark.slow


def run_daily(config: Path, db: Path) -> dict:
    from flows.daily import daily

    return daily(config=str(config), db=str(db))


def test_demo_world_end_to_end(prefect_server, tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    with DemoServer() as server:
        cfg = write_demo_config(server, db)
        first = run_daily(cfg, db)
        second = run_daily(cfg, db)

    assert first["new_articles"] >= 18
    failed = {url for url, _ in first["feeds_failed"]}
    assert any(u.endswith("valley-courier.xml") for u in failed)
    assert len(first["new_events"]) >= 8
    # The PDF item fell back to its feed summary; the always-500 page waits for a retry.
    assert q(db, "select count(*) from articles where extraction = 'feed'")[0][0] >= 1
    assert first["articles_retry_later"] >= 1
    kinds = {k for (k,) in q(db, "select distinct kind from errors")}
    assert "bad_feed" in kinds and "http_500" in kinds
    runs = q(db, "select status, flow_run_id, new_articles from runs order by started_at")
    assert [r[0] for r in runs] == ["completed", "completed"]
    assert all(r[1] for r in runs), "each run records its Prefect flow run id"
    # Nothing is processed twice and the rerun brings nothing new.
    assert second["new_articles"] == 0 and second["new_events"] == [] and second["alerts_sent"] == 0
    assert q(db, "select count(*) from articles where nlp_version is null")[0][0] == 0
    dupes = q(db, "select count(*) - count(distinct mention_id) from event_mentions")[0][0]
    assert dupes == 0


def test_run_publishes_prefect_artifacts(prefect_server, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    db = tmp_path / "demo.duckdb"
    with DemoServer() as server:
        run_daily(write_demo_config(server, db), db)
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["reewatch-run-summary", "reewatch-new-events"]))
        )
    keys = {a.key for a in arts}
    assert keys == {"reewatch-run-summary", "reewatch-new-events"}
    summary = next(a for a in arts if a.key == "reewatch-run-summary")
    assert "new events" in str(summary.data)


# ------------------------------------------------------------------ alerts through the flow

def utc(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


US_CA = [
    Story("northwire", "us-canada-pact", "US and Canada sign critical minerals pact", utc(3), [
        "The United States and Canada signed a critical minerals agreement on Monday, pledging "
        "US$2 billion to finance rare earth processing and graphite projects on both sides of the border.",
        "Officials said the agreement sets up a joint fund and a shared list of priority projects.",
        "Analysts said the deal was aimed at cutting reliance on Chinese supplies of magnets.",
    ]),
    Story("bayledger", "washington-ottawa-minerals", "Washington and Ottawa seal minerals deal", utc(4), [
        "Washington and Ottawa signed a $2 billion framework on March 2 covering rare earths, "
        "graphite and other critical minerals, according to a statement from both governments.",
        "The framework promises faster permits for processing plants and joint financing.",
        "Mining companies in Quebec and Ontario welcomed the plan in statements on Wednesday.",
    ]),
    Story("oremarkets", "canada-us-agreement-reaction", "Miners cheer Canada-US minerals agreement", utc(5), [
        "Canada and the U.S. signed their critical minerals agreement on Monday, and shares of "
        "rare earth explorers rose for a third day on Thursday.",
        "The $2 billion agreement will fund separation and magnet plants, the two governments said.",
        "Brokers expect more offtake contracts to follow in the coming months.",
    ]),
]

TWO_DEALS_SAME_DAY = [
    Story("northwire", "us-japan-memo", "Japan and US sign rare earth memorandum", utc(11), [
        "Japan and the United States signed a memorandum of cooperation on rare earth supply on "
        "Tuesday, the two governments said in a joint statement.",
        "The memorandum covers stockpiling coordination, recycling research and magnet production.",
        "Officials in Tokyo said the accord would be followed by company-level contracts.",
    ]),
    Story("bayledger", "india-australia-minerals", "India and Australia sign minerals partnership", utc(11), [
        "India and Australia signed a critical minerals partnership on Tuesday to develop lithium "
        "and cobalt projects, the trade ministers of both countries announced.",
        "The partnership includes joint studies of five lithium and cobalt deposits in Western Australia.",
        "Industry groups said the agreement would help Indian battery makers secure raw materials.",
    ]),
]

EXPORT_CONTROL = [
    Story("northwire", "china-controls-more", "China adds rare earths to export control list", utc(18), [
        "China's commerce ministry on Wednesday imposed export controls on samarium, gadolinium "
        "and lutetium, widening its licensing regime for rare earth elements.",
        "Exporters will need a licence for each shipment, the ministry said in a notice.",
        "Magnet makers in Europe said they were studying the impact of the new rules.",
    ]),
]


def world_with(stories: list[Story]) -> tuple[TestServer, NewsWorld]:
    server = TestServer()
    world = NewsWorld(server)
    for s in stories:
        world.add(s)
    return server, world


def agreements_posted(receiver) -> list:
    return [r for r in receiver.delivered if r.body and "reewatch-alert-id" in str(r.body.get("message", ""))]


def test_same_agreement_from_three_outlets_alerts_once(prefect_server, webhook, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REEWATCH_ALERT_URLS", webhook.url())
    server, world = world_with(US_CA)
    try:
        db = tmp_path / "w.duckdb"
        cfg = world.write_config(tmp_path / "reewatch.toml", db)
        first = run_daily(cfg, db)
        second = run_daily(cfg, db)
    finally:
        server.close()
    assert first["new_articles"] == 3
    assert len(agreements_posted(webhook)) == 1, [r.body for r in webhook.requests]
    assert second["alerts_sent"] == 0 and len(agreements_posted(webhook)) == 1
    rows = q(db, "select source_count, actors from events where type = 'agreement'")
    assert len(rows) == 1 and rows[0][0] == 3 and sorted(rows[0][1]) == ["CA", "US"]


def test_two_agreements_same_day_alert_twice(prefect_server, webhook, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REEWATCH_ALERT_URLS", webhook.url())
    server, world = world_with(TWO_DEALS_SAME_DAY)
    try:
        db = tmp_path / "w.duckdb"
        run_daily(world.write_config(tmp_path / "reewatch.toml", db), db)
    finally:
        server.close()
    assert len(agreements_posted(webhook)) == 2


def test_receiver_down_then_delivered_exactly_once(prefect_server, webhook, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REEWATCH_ALERT_URLS", webhook.url())
    webhook.stop()
    server, world = world_with(US_CA[:1])
    try:
        db = tmp_path / "w.duckdb"
        cfg = world.write_config(tmp_path / "reewatch.toml", db, "[alerts]\nbackoff_minutes = 0\n")
        first = run_daily(cfg, db)
        pending = q(db, "select status, last_error, attempts from alerts")
        webhook.start()
        second = run_daily(cfg, db)
        third = run_daily(cfg, db)
    finally:
        server.close()
    assert first["alerts_sent"] == 0
    assert len(pending) == 1 and pending[0][0] == "pending" and pending[0][1] and pending[0][2] == 1
    assert second["alerts_sent"] == 1 and third["alerts_sent"] == 0
    assert len(agreements_posted(webhook)) == 1
    assert q(db, "select status from alerts") == [("sent",)]


@pytest.mark.parametrize(("rules", "expected"), [
    ("", 0),
    ('[[alerts.rules]]\nname = "controls"\ntypes = ["export_control"]\n', 1),
])
def test_export_control_alerts_only_under_its_rule(
    prefect_server, webhook, tmp_path, monkeypatch, rules, expected
) -> None:
    monkeypatch.setenv("REEWATCH_ALERT_URLS", webhook.url())
    server, world = world_with(EXPORT_CONTROL)
    try:
        db = tmp_path / "w.duckdb"
        summary = run_daily(world.write_config(tmp_path / "reewatch.toml", db, rules), db)
    finally:
        server.close()
    assert q(db, "select count(*) from events where type = 'export_control'")[0][0] == 1
    assert summary["alerts_sent"] == expected
    assert len(agreements_posted(webhook)) == expected


def test_page_that_keeps_failing_falls_back_to_feed_summary(prefect_server, tmp_path) -> None:
    server, world = world_with(EXPORT_CONTROL)
    url = world.add(Story("northwire", "always-down", "Gallium exporters wait for licences", utc(19), [
        "Exporters of gallium said on Thursday they were still waiting for licences.",
    ]))
    server.route("/northwire/always-down.html", "upstream error", status=503, content_type="text/plain")
    try:
        db = tmp_path / "w.duckdb"
        cfg = world.write_config(tmp_path / "reewatch.toml", db, top="page_max_attempts = 2\npage_retry_minutes = 0\n")
        first = run_daily(cfg, db)
        assert first["articles_retry_later"] == 1
        assert q(db, f"select attempts from pending_urls where url = '{url}'") == [(1,)]
        second = run_daily(cfg, db)
    finally:
        server.close()
    assert second["fallback_articles"] == 1
    rows = q(db, f"select extraction, fallback_reason from articles where url = '{url}'")
    assert rows and rows[0][0] == "feed" and "gave up after 2 attempts" in rows[0][1]
    assert q(db, "select count(*) from pending_urls") == [(0,)]
    assert q(db, "select count(*) from errors where url = ? and kind = 'http_503'".replace("?", f"'{url}'"))[0][0] == 2


def test_mixed_good_and_broken_sources_through_the_flow(prefect_server, tmp_path) -> None:
    """Good items land; every broken feed and page is recorded with its reason; the run completes."""
    from tests.httpserver import item, rss

    server = TestServer()
    forbidden = TestServer()  # loopback too, but not allow-listed: must never be reached
    try:
        pages = {
            "good": "/page/good", "good2": "/page/good2", "gb2312": "/enc/gb2312/none",
            "404": "/fault/404", "410": "/fault/410", "500": "/fault/500", "reset": "/fault/reset",
            "loop": "/fault/redirect-loop", "bomb": "/fault/gzip-bomb", "huge": "/fault/huge",
            "pdf": "/fault/pdf", "js": "/page/js-only", "drip": "/fault/drip?seconds=30",
        }
        links = {k: server.url(v) for k, v in pages.items()}
        links["metadata"] = "http://169.254.169.254/latest/meta-data/"
        links["private"] = forbidden.url("/internal/admin")
        items = [item(f"Story {k}", url, guid=k, summary=f"Summary of story {k}.") for k, url in links.items()]
        server.route("/feed/mixed", rss(items), content_type="application/rss+xml")
        feeds = ["/feed/mixed", "/feed/malformed", "/fault/503", "/feed/bomb", "/fault/drip?seconds=30", "/feed/not-xml"]
        cfg = tmp_path / "reewatch.toml"
        db = tmp_path / "w.duckdb"
        cfg.write_text(
            "first_run_days = 36500\n"  # the fixture items are dated March 2026
            + "".join(f'[[feeds]]\nurl = "{server.url(f)}"\nname = "{f}"\n\n' for f in feeds)
            + f'[database]\npath = "{db}"\n\n[fetch]\nallow_hosts = ["{server.host_port}"]\n'
            "timeout = 1.5\nretries = 1\nbackoff = 0.05\nper_host_delay = 0.0\nper_host = 8\n"
            "respect_robots = false\nmax_bytes = 2000000\nmax_decompressed_bytes = 5000000\n"
            "extract_all = true\n"  # every page through extraction: the faults are the point here
        )
        summary = run_daily(cfg, db)
    finally:
        server.close()
        forbidden.close()

    assert summary["status"] == "completed"
    assert forbidden.requests == []
    # A malformed feed whose entries feedparser still recovers is used, not failed.
    failed = {u for u, _ in summary["feeds_failed"]}
    assert failed == {server.url(f) for f in feeds if f not in ("/feed/mixed", "/feed/malformed")}
    stored = dict(q(db, "select url, extraction from articles"))
    assert stored[links["good"]] == "page" and stored[links["good2"]] == "page"
    assert stored[links["gb2312"]] == "page"
    # Terminal page failures keep the feed summary; transient ones wait for a retry.
    for key in ("404", "410", "pdf", "js", "bomb", "huge", "metadata", "private", "loop"):
        assert stored.get(links[key]) == "feed", key
    pending = {u for (u,) in q(db, "select url from pending_urls")}
    assert {links["500"], links["reset"], links["drip"]} <= pending
    kinds = {(u, k) for u, k in q(db, "select url, kind from errors")}
    by_url: dict[str, set[str]] = {}
    for u, k in kinds:
        by_url.setdefault(u, set()).add(k)
    assert "http_404" in by_url[links["404"]] and "http_410" in by_url[links["410"]]
    assert by_url[links["metadata"]] == {"blocked_address"}
    assert by_url[links["private"]] == {"blocked_address"}
    assert "http_500" in by_url[links["500"]]
    assert {"timeout"} <= by_url[links["drip"]]
    for feed in failed:
        assert feed in by_url, feed
    assert q(db, "select count(*) from runs where status = 'completed'") == [(1,)]


def test_article_the_event_stage_fails_on_is_recorded_and_retried(prefect_server, tmp_path, monkeypatch) -> None:
    """One article makes the event rules raise: it lands in `errors` (stage nlp), stays
    unprocessed (nlp_version NULL) while the others are done, and the next run retries it."""
    from extractors.events import EventExtractor

    server, world = world_with(EXPORT_CONTROL + US_CA[:1])
    real = EventExtractor._article_events

    def flaky(self, article, segs):
        if "us-canada-pact" in article.url:
            raise RuntimeError("deliberate rule failure")
        return real(self, article, segs)

    try:
        db = tmp_path / "w.duckdb"
        cfg = world.write_config(tmp_path / "reewatch.toml", db)
        monkeypatch.setattr(EventExtractor, "_article_events", flaky)
        first = run_daily(cfg, db)
        errors = q(db, "select stage, kind, url, message from errors where stage = 'nlp'")
        pending = q(db, "select url from articles where nlp_version is null")
        events_first = q(db, "select type from events order by type")
        monkeypatch.setattr(EventExtractor, "_article_events", real)
        second = run_daily(cfg, db)
    finally:
        server.close()
    assert first["status"] == "completed" and first["nlp_errors"] == 1
    assert len(errors) == 1 and errors[0][1] == "rule_error" and "us-canada-pact" in errors[0][2]
    assert "deliberate rule failure" in errors[0][3]
    assert [u for (u,) in pending] == [errors[0][2]]
    assert events_first == [("export_control",)]
    assert second["nlp_errors"] == 0 and second["processed_articles"] == 1
    assert q(db, "select count(*) from articles where nlp_version is null") == [(0,)]
    assert q(db, "select type from events order by type") == [("agreement",), ("export_control",)]


def test_a_batch_the_parse_fails_on_is_narrowed_to_the_bad_article(monkeypatch) -> None:
    """When the event stage raises for a whole batch (outside the per-article rules), each
    article is run alone: the good ones keep their events, the bad one becomes an error."""
    from extractors.events import segmenting
    from extractors.types import Article
    from flows.daily import detect_events

    real = segmenting.segment

    def fragile(article):
        if "poison" in article.text:
            raise MemoryError("deliberate parse failure")
        return real(article)

    monkeypatch.setattr(segmenting, "segment", fragile)
    day = datetime(2025, 10, 30, tzinfo=UTC)
    good = Article(url="http://example.test/good", title="Rare earths",
                   text="China expanded export controls on rare earths on Thursday.", published=day)
    bad = Article(url="http://example.test/bad", title="Rare earths",
                  text="poison text about rare earths and export controls.", published=day)
    events, errors = detect_events([good, bad])
    assert [len(e) for e in events] == [1, 0]
    assert [(e.stage, e.url, e.kind) for e in errors] == [("nlp", bad.url, "unexpected_MemoryError")]
