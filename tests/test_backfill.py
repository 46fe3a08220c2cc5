"""Backfill: a WARC of the pages lands the same articles and events as fetching them from
loopback feeds; a SIGKILLed backfill resumes with nothing twice; JSONL input; bad input.
Real Prefect runs, real DuckDB files, WARCs written here with warcio."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from tests.httpserver import TestServer
from tests.newsworld import NewsWorld, Story, page
from tests.test_reprocess import STORIES
from tests.warehouse_query import q

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def write_warc(path: Path, pages: list[tuple[str, bytes, datetime]], extra: bool = True) -> Path:
    """A CC-NEWS-like WARC: warcinfo, then request + response per page, gzip per record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "reewatch tests"}))
        for url, body, when in pages:
            date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            req = w.create_warc_record(url, "request", payload=BytesIO(b""),
                                       warc_headers_dict={"WARC-Date": date},
                                       http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True))
            w.write_record(req)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers,
                                                warc_headers_dict={"WARC-Date": date}))
        if extra:  # a 404 and a PDF: response records that are not articles
            for status, ctype, body in (("404 Not Found", "text/html", b"<html>gone</html>"),
                                        ("200 OK", "application/pdf", b"%PDF-1.4 lithium")):
                headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
                w.write_record(w.create_warc_record("http://127.0.0.1:9/x/" + status[:3], "response",
                                                    payload=BytesIO(body), http_headers=headers))
    return path


def _page_articles(db: Path) -> set[tuple]:
    return set(q(db, "select url, title, text, published from articles where extraction = 'page'"))


def _events(db: Path) -> set[tuple]:
    return {(t, d, p, tuple(sorted(a)), tuple(sorted(c)), n) for t, d, p, a, c, n in
            q(db, "select type, date, date_precision, actors, commodities, source_count from event_timeline")}


def test_warc_backfill_lands_what_the_feeds_land(prefect_server, tmp_path: Path) -> None:
    from flows.backfill import backfill
    from flows.daily import daily

    server = TestServer()
    world = NewsWorld(server)
    urls = [world.add(s) for s in STORIES]
    fed = tmp_path / "fed.duckdb"
    try:
        daily(config=str(world.write_config(tmp_path / "fed.toml", fed)), db=str(fed))
    finally:
        server.close()
    warc = write_warc(tmp_path / "news.warc.gz",
                      [(u, page(s).encode(), s.published) for u, s in zip(urls, STORIES, strict=True)])
    back = tmp_path / "back.duckdb"
    out = backfill(db=str(back), warc=[str(warc)])

    assert out["records_read"] == 1 + 2 * len(STORIES) + 2
    assert out["relevant"] == 2  # the weather page never reaches text extraction
    assert _page_articles(back) == _page_articles(fed) and len(_page_articles(back)) == 2
    assert _events(back) == _events(fed) and len(_events(back)) >= 2
    # WARC date kept as the fetch time; the backfill sends no alert (no daily run before it)
    fetched = {u: f for u, f in q(back, "select url, fetched_at from articles")}
    assert fetched[urls[0]] == STORIES[0].published.replace(tzinfo=None)
    assert q(back, "select count(*) from alerts")[0][0] == 0
    assert q(back, "select kind, status from runs") == [("backfill", "completed")]
    # the same file again: already done, nothing new
    again = backfill(db=str(back), warc=[str(warc)])
    assert again["files_already_done"] == 1 and again["articles"] == 0


def _many_stories(n: int) -> list[Story]:
    base = datetime(2024, 3, 1, 8, tzinfo=UTC)
    metals = ["gallium", "germanium", "antimony", "graphite", "tungsten"]
    out = []
    for i in range(n):
        metal = metals[i % len(metals)]
        day = base + timedelta(days=i)
        out.append(Story(f"outlet{i % 3}", f"story-{i}", f"Export curbs on {metal} widen", day, [
            f"China's commerce ministry on {day:%A} imposed export controls on {metal} products "
            f"shipped to {['Japan', 'the United States', 'Germany', 'Korea'][i % 4]}, the ministry said.",
            f"Exporters will need a licence for each {metal} shipment from next month.",
            "Analysts expect prices to rise in the coming weeks.",
        ]))
    return out


def test_killed_backfill_resumes_nothing_twice(prefect_server, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    from flows.backfill import backfill

    stories = _many_stories(14)
    pages = [(f"https://news.example/{s.outlet}/{s.slug}.html", page(s).encode(), s.published) for s in stories]
    warc = write_warc(tmp_path / "big.warc.gz", pages)
    cfg = tmp_path / "small.toml"
    cfg.write_text("article_batch = 3\n", encoding="utf-8")

    whole = tmp_path / "whole.duckdb"
    backfill(config=str(cfg), db=str(whole), warc=[str(warc)])

    killed = tmp_path / "killed.duckdb"
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "REEWATCH_FAILPOINT": "backfill.after_articles:3"}
    cmd = [sys.executable, "-m", "flows.cli", "backfill", "--warc", str(warc), "--db", str(killed),
           "--config", str(cfg)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    partial = q(killed, "select count(*), count(nlp_version) from articles")[0]
    assert 0 < partial[0] < len(stories) and partial[1] < partial[0], partial

    env.pop("REEWATCH_FAILPOINT")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "records read" in proc.stdout
    assert _page_articles(killed) == _page_articles(whole) and len(_page_articles(whole)) == len(stories)
    assert _events(killed) == _events(whole)
    assert q(killed, "select count(*) - count(distinct mention_id) from event_mentions")[0][0] == 0
    assert q(killed, "select count(*) from articles where nlp_version is null")[0][0] == 0
    assert q(killed, "select records_done, finished_at is not null from backfill_sources")[0] == (
        1 + 2 * len(stories) + 2, True)


def test_jsonl_backfill_and_bad_lines(prefect_server, tmp_path: Path) -> None:
    import json

    from flows.backfill import backfill

    s = STORIES[0]
    lines = [
        json.dumps({"id": "a1", "title": s.title, "text": "\n\n".join(s.paragraphs),
                    "published": s.published.date().isoformat(), "url": "https://x.example/a1"}),
        "{not json",
        json.dumps({"title": "no id"}),
        json.dumps({"id": "a2", "title": "Rain at the weekend", "text": "Rain is expected.",
                    "published": "2026-05-07"}),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "j.duckdb"
    out = backfill(db=str(db), jsonl=[str(src)])
    assert out["records_read"] == 4 and out["articles"] == 2 and out["errors"] == 2
    assert q(db, "select count(*) from errors where kind = 'bad_input'")[0][0] == 2
    assert q(db, "select count(*) from event_timeline where type = 'export_control'")[0][0] == 1


def test_since_reaches_back_through_a_news_sitemap(prefect_server, tmp_path: Path) -> None:
    from flows.backfill import backfill

    server = TestServer()
    world = NewsWorld(server)
    urls = [world.add(s) for s in STORIES]
    items = "".join(
        f"<url><loc>{u}</loc><n:news><n:publication><n:name>{s.outlet}</n:name><n:language>en</n:language>"
        f"</n:publication><n:publication_date>{s.published.isoformat()}</n:publication_date>"
        f"<n:title>{s.title}</n:title></n:news></url>"
        for u, s in zip(urls, STORIES, strict=True))
    server.route("/sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                 f'xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">{items}</urlset>',
                 content_type="application/xml")
    db = tmp_path / "s.duckdb"
    cfg = tmp_path / "s.toml"
    cfg.write_text(
        f'[[feeds]]\nurl = "{server.url("/sitemap.xml")}"\nname = "sitemap"\nkind = "sitemap"\n\n'
        f'[database]\npath = "{db}"\n\n[fetch]\nallow_hosts = ["{server.host_port}"]\n'
        "timeout = 5.0\nretries = 0\nper_host_delay = 0.0\nrespect_robots = false\n", encoding="utf-8")
    try:
        out = backfill(config=str(cfg), db=str(db), since="2026-05-07")
    finally:
        server.close()
    assert out["records_read"] == 2  # the story of 6 May is older than --since
    assert sorted(u for (u,) in q(db, "select url from articles")) == sorted(urls[1:])
    assert [t for (t,) in q(db, "select type from event_timeline")] == ["agreement"]
    assert q(db, "select count(*) from articles where nlp_version is null")[0][0] == 0
