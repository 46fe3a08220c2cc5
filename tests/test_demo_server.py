"""The demo news world: every route answers as the manifest says, and the corpus has
what the end-to-end tests rely on (irrelevant news, all event types, duplicates)."""

from __future__ import annotations

import re
import socket
import struct
import time
from collections import Counter
from pathlib import Path

import feedparser
import httpx
import pytest

from extractors.types import EVENT_TYPES, FeedSpec
from flows.config import Settings, load_settings
from flows.demo import DEMO_DATA, DemoServer, demo_settings, write_demo_config


@pytest.fixture(scope="module")
def server():
    with DemoServer() as srv:
        yield srv


@pytest.fixture
def client():
    with httpx.Client(timeout=5, trust_env=False) as c:
        yield c


def _html_articles(srv: DemoServer) -> list[dict]:
    return [a for a in srv.articles() if a["kind"] == "html"]


def _get_page(srv: DemoServer, client: httpx.Client, route: str) -> httpx.Response:
    """GET a page, asking again once if its route is set to fail on the first request."""
    r = client.get(srv.url(route))
    if r.status_code == 500 and srv.manifest["routes"][route].get("fail_first"):
        r = client.get(srv.url(route))
    return r


def _body_text(html: str) -> str:
    m = re.search(r'<div class="story-body">(.*?)</div>', html, re.S)
    assert m, "article body not found"
    return re.sub(r"<[^>]+>", " ", m.group(1))


def test_addresses(server):
    assert re.fullmatch(r"127\.0\.0\.1:\d+", server.host_port)
    assert server.base_url == f"http://{server.host_port}"


def test_every_route_serves_status_and_type(server, client):
    for route, spec in server.manifest["routes"].items():
        if spec.get("fail_first"):
            continue  # covered by test_flaky_route_fails_once
        r = client.get(server.url(route))
        assert r.status_code == spec["status"], route
        if spec["status"] == 200:
            assert r.headers["content-type"] == spec["content_type"], route
            assert "{base}" not in r.text or spec["content_type"] == "application/pdf", route


def test_unknown_route_is_404(server, client):
    assert client.get(server.url("/no/such/page")).status_code == 404


def test_flaky_route_fails_once(client):
    with DemoServer() as srv:
        route = next(r for r, s in srv.manifest["routes"].items() if s.get("fail_first"))
        assert client.get(srv.url(route)).status_code == 500
        assert client.get(srv.url(route)).status_code == 200
        assert srv.request_count(route) == 2
        srv.reset_counts()
        assert client.get(srv.url(route)).status_code == 500


def test_silent_on_stderr(server, client, capfd):
    client.get(server.url("/feeds/hsj.xml"))
    client.get(server.url("/no/such/page"))
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # RST instead of FIN: the handler sees ConnectionResetError
    time.sleep(0.2)
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_robots_allows_everything(server, client):
    r = client.get(server.url("/robots.txt"))
    assert r.status_code == 200
    assert "Allow: /" in r.text and "Disallow: /" not in r.text


def test_feeds_parse_except_the_broken_one(server, client):
    specs = server.feed_specs()
    assert len(specs) >= 3 and all(isinstance(s, FeedSpec) for s in specs)
    versions = set()
    for feed, spec in zip(server.manifest["feeds"], specs, strict=True):
        parsed = feedparser.parse(client.get(spec.url).content)
        if not feed["parseable"]:
            assert parsed.bozo and not parsed.entries, spec.name
            continue
        versions.add(parsed.version)
        assert not parsed.bozo, (spec.name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == feed["items"]
        for e in parsed.entries:
            assert e.link.startswith(server.base_url + "/"), e.link
            assert e.get("id") and e.get("title") and e.get("summary")
            assert e.get("published_parsed") or e.get("updated_parsed")
            assert urlsplit_path(e.link) in server.manifest["routes"], e.link
    assert {"rss20", "atom10"} <= versions


def urlsplit_path(url: str) -> str:
    return httpx.URL(url).path


def test_conditional_get_returns_304(server, client):
    for feed in server.manifest["feeds"]:
        url = server.url(feed["route"])
        first = client.get(url)
        etag, last_mod = first.headers["etag"], first.headers["last-modified"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": last_mod}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
        old = "Mon, 01 Sep 2025 00:00:00 GMT"
        assert client.get(url, headers={"If-Modified-Since": old}).status_code == 200


def test_requests_are_counted(server, client):
    route = server.manifest["feeds"][0]["route"]
    before = server.request_count(route)
    client.get(server.url(route))
    client.head(server.url(route))
    assert server.request_count(route) == before + 2


def test_corpus_size_and_mix(server, client):
    arts = _html_articles(server)
    assert len(arts) >= 18
    irrelevant = [a for a in arts if not a["relevant"]]
    assert 3 * len(irrelevant) >= len(arts)
    assert all(not a["events"] for a in irrelevant)
    for a in arts:
        html = _get_page(server, client, a["route"]).text
        assert html.startswith("<!DOCTYPE html>")
        for marker in (
            "<title>",
            'property="og:title"',
            'property="og:site_name"',
            'property="article:published_time"',
            'name="author"',
            "<nav",
            "cookie-banner",
            'class="related"',
            'class="newsletter"',
            "<footer",
            "<article",
        ):
            assert marker in html, (a["route"], marker)
        n = len(_body_text(html).split())
        assert 250 <= n <= 600, (a["route"], n)


def test_relevant_articles_are_dated_in_window(server):
    for a in _html_articles(server):
        if a["relevant"]:
            assert "2025-10-01" <= a["published"][:10] <= "2025-11-05", a["route"]
            assert a["events"], a["route"]


def test_all_event_types_and_fields(server):
    events = server.expected_events()
    required = server.expected_events(include_optional=False)
    assert set(EVENT_TYPES) <= {e["type"] for e in required}
    assert 0 < len(required) < len(events)
    for e in events:
        assert e["type"] in EVENT_TYPES
        precision = {"day": 10, "month": 7, "year": 4}[e["date_precision"]]
        assert len(e["date"]) == precision
        assert e["actors"] and e["commodities"]
        assert (e["amount"] is None) == (e["currency"] is None)
    agreements = {tuple(sorted(e["actors"])) for e in required if e["type"] == "agreement"}
    assert len(agreements) >= 3


def test_same_event_from_two_outlets(server):
    by_route = {a["route"]: a for a in server.articles()}
    for group in server.manifest["duplicates"]["same_event"]:
        arts = [by_route[r] for r in group["routes"]]
        assert len({a["outlet"] for a in arts}) >= 2 or len(arts) >= 3
        assert len({a["published"][:10] for a in arts}) == len(arts)
    us_au = [
        e
        for e in server.expected_events()
        if e["type"] == "agreement"
        and set(e["actors"]) == {"US", "AU"}
        and e["date"] == "2025-10-20"
    ]
    assert len({e["route"] for e in us_au}) == 2
    assert len({server.manifest["routes"][e["route"]]["file"] for e in us_au}) == 2


def test_syndicated_story_same_text_different_chrome(server, client):
    [pair] = server.manifest["duplicates"]["syndicated"]
    a, b = (_get_page(server, client, r).text for r in pair)
    assert a != b
    assert _body_text(a) == _body_text(b)
    site = re.compile(r'property="og:site_name" content="([^"]+)"')
    assert site.search(a).group(1) != site.search(b).group(1)


def test_pdf_and_error_items(server, client):
    kinds = Counter(a["kind"] for a in server.articles())
    assert kinds["pdf"] == 1 and kinds["error"] == 1
    pdf = next(a for a in server.articles() if a["kind"] == "pdf")
    r = client.get(pdf["url"])
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    err = next(a for a in server.articles() if a["kind"] == "error")
    assert client.get(err["url"]).status_code == 500
    assert client.get(err["url"]).status_code == 500


def test_demo_settings(server, tmp_path: Path):
    s = demo_settings(tmp_path / "demo.duckdb", server)
    assert isinstance(s, Settings)
    assert s.db == tmp_path / "demo.duckdb"
    assert [f.url for f in s.feeds] == [f.url for f in server.feed_specs()]
    assert s.fetch.allow_hosts == [server.host_port]
    assert (s.fetch.per_host_delay, s.fetch.per_host, s.fetch.retries) == (0, 8, 1)
    assert (s.fetch.backoff, s.fetch.timeout) == (0.1, 5)


def test_demo_config_file_round_trips(server, tmp_path: Path):
    db = tmp_path / "data" / "demo.duckdb"
    cfg = write_demo_config(server, db)
    assert cfg == db.with_suffix(".toml") and cfg.is_file()
    loaded, built = load_settings(cfg), demo_settings(db, server)
    assert loaded.db == db.resolve()
    assert loaded.feeds == built.feeds
    assert loaded.fetch == built.fetch


def test_busy_port_fails_at_construction(server):
    with pytest.raises(OSError):
        DemoServer(port=server.port)


def test_pages_are_utf8_and_own_files_exist():
    for f in (DEMO_DATA / "pages").glob("*.html"):
        f.read_text(encoding="utf-8")
    assert (DEMO_DATA / "manifest.json").is_file()
