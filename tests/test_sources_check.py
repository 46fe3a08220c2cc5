"""`reewatch sources check` against a loopback world, and offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.httpserver import TestServer, item, rss
from tests.test_cli_query import invoke


def _config(tmp_path: Path, feeds: list[dict], allow: str = "") -> Path:
    body = "".join(
        "[[feeds]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in f.items()) + "\n" for f in feeds
    )
    db = tmp_path / "never.duckdb"
    cfg = tmp_path / "reewatch.toml"
    cfg.write_text(
        body + f'[database]\npath = "{db}"\n\n[fetch]\nallow_hosts = [{allow}]\ntimeout = 3.0\n'
        "connect_timeout = 2.0\nretries = 0\nper_host_delay = 0.0\nrespect_robots = true\n",
        encoding="utf-8",
    )
    return cfg


def test_sources_check_loopback_world(tmp_path: Path) -> None:
    server = TestServer()
    try:
        now = datetime.now(UTC)
        full = "<p>" + "A long paragraph of the item's own full text about gallium licences. " * 6 + "</p>"
        server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        recent = format_datetime(now - timedelta(hours=3), usegmt=True)
        items = [item("Gallium licences", server.url("/a"), date=recent).replace(
            "</item>", f"<content:encoded><![CDATA[{full}]]></content:encoded></item>"),
            item("Second story", server.url("/b"), date=recent, summary="Only a short summary.")]
        body = rss(items).replace(b'<rss version="2.0">',
                                  b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">')
        server.route("/feed.xml", body, content_type="application/rss+xml")
        server.route("/private/feed.xml", rss([]), content_type="application/rss+xml")
        cfg = _config(tmp_path, [
            {"url": server.url("/feed.xml"), "name": "Good feed"},
            {"url": server.url("/private/feed.xml"), "name": "Forbidden feed"},
            {"url": server.url("/gone.xml"), "name": "Gone feed"},
            {"url": server.url("/list"), "name": "Bad list", "kind": "html_list"},
        ], allow=f'"{server.host_port}"')
        result = invoke("sources", "check", "--config", str(cfg))
    finally:
        server.close()
    out = result.stdout
    assert result.exit_code == 1  # some sources have problems
    good = out.split("Good feed")[1].split("Forbidden feed")[0]
    assert "reachable: yes" in good and "robots: allowed" in good and "items: 2" in good
    assert "full text in the source: 50%" in good and f"newest item: {now - timedelta(hours=3):%Y-%m-%d}" in good
    forbidden = out.split("Forbidden feed")[1].split("Gone feed")[0]
    assert "robots: disallowed" in forbidden and "fix: robots.txt forbids" in forbidden
    assert server.count("/private/feed.xml") == 0
    gone = out.split("Gone feed")[1].split("Bad list")[0]
    assert "http_404" in gone and "fix: the URL is gone" in gone
    assert "item_selector" in out.split("Bad list")[1]
    assert "1 of 4 source(s) ok; nothing was stored" in out
    assert not (tmp_path / "never.duckdb").exists()


def test_sources_check_offline_one_line_each(tmp_path: Path) -> None:
    cfg = _config(tmp_path, [
        {"url": "https://feeds.example.invalid/rss", "name": "Wire"},
        {"url": "https://api.example.invalid/doc", "name": "Discovery", "kind": "gdelt", "query": "x",
         "min_interval": 0.0},
    ])
    result = invoke("sources", "check", "--config", str(cfg))
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    offline = [line for line in lines if line.startswith("OFFLINE")]
    assert len(offline) == 2 and "Wire" in offline[0] and "Discovery" in offline[1]
    assert len(lines) == 3  # two sources, one line each, and the total
    assert result.exit_code == 1
