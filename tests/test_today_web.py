"""Acceptance: a loopback replay of what today's web serves a feed reader, through `reewatch run`.

The patterns (all texts invented here; their shapes follow the saved real responses in
../shared/peers/sources): a Bing-News-shaped aggregator feed whose links are
`bing.com/news/apiclick.aspx?...&url=<publisher>&tid=...` with `<News:Source>`; a
publisher page behind a Google-style consent interstitial; a bot challenge answered with
HTTP 403 whose feed item carries the full text in `content:encoded`; a feed that
robots.txt forbids; and the publisher's own feed carrying one story the aggregator has too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from tests.httpserver import TestServer, article_html

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]

PAGE_PARAGRAPHS = [
    "China's Ministry of Commerce said on Monday that it will require export licences for "
    "shipments of gallium and germanium products from 1 December 2026, citing national security.",
    "Exporters will have to name the end user of every shipment, and licence decisions will "
    "take up to forty-five working days, the ministry said in a statement on its website.",
    "Traders in the region said the measure could delay deliveries of the two minor metals "
    "used in chips and solar panels during the first months of next year.",
]
CONSENT_ITEM_TEXT = (
    "Australia and Japan signed an agreement on Tuesday to cooperate on rare earth supply "
    "chains, the two governments said in a joint statement."
)
CHALLENGE_ITEM_TEXT = (
    "<p>The United States and Ukraine signed an agreement on critical minerals on Wednesday, "
    "setting up a joint investment fund for rare earth and lithium projects.</p>"
    "<p>Officials said the fund would start work next year and report to both governments "
    "every six months on the projects it backs.</p>"
)
CONSENT_PAGE = (
    "<!DOCTYPE html><html><head><title>Before you continue</title></head><body>"
    "<h1>Before you continue</h1><p>We use cookies and data to deliver and maintain our "
    "services, measure audience engagement and show personalised advertising. If you accept "
    "all, we will also use cookies to develop new services and improve the ones we offer. "
    "Select more options to see additional information, including how to manage your privacy "
    "settings at any time.</p>"
    '<form method="POST" action="https://consent.google.com/save"><input type="hidden" '
    'name="continue" value="x"><button>Accept all</button><button>Reject all</button></form>'
    "</body></html>"
)
CHALLENGE_PAGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    "<noscript>Enable JavaScript and cookies to continue</noscript>"
    "<script>window._cf_chl_opt={cType:'managed'};</script></body></html>"
)


def _rfc822(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def _bing_link(target: str, host: str = "https://www.bing.com") -> str:
    return (
        f"{host}/news/apiclick.aspx?ref=FexRss&amp;aid=&amp;tid=TID"
        f"{abs(hash(target)) % 10_000}&amp;url={quote(target, safe='')}&amp;c=1&amp;mkt=en-us"
    )


def build_world(server: TestServer) -> dict[str, str]:
    now = datetime.now(UTC)
    urls = {
        "page": server.url("/pub/gallium-licences"),
        "consent": server.url("/pub/australia-japan"),
        "challenge": server.url("/pub/us-ukraine"),
    }
    server.route("/robots.txt", "User-agent: *\nDisallow: /forbidden/\nAllow: /\n", content_type="text/plain")
    server.route("/pub/gallium-licences", article_html("Licences for gallium exports", PAGE_PARAGRAPHS,
                                                       date=now.date().isoformat()))
    server.route("/pub/australia-japan", CONSENT_PAGE)
    server.route("/pub/us-ukraine", CHALLENGE_PAGE, status=403)
    items = [
        ("Licences for gallium exports", urls["page"], "The Harbour Ledger", "<description>Gallium licences.</description>"),
        ("Australia and Japan sign rare earth pact", urls["consent"], "Southern Cross Wire",
         f"<description>{CONSENT_ITEM_TEXT}</description>"),
        ("US and Ukraine sign minerals deal", urls["challenge"], "Capitol Minerals Report",
         "<description>A minerals deal.</description>"
         f"<content:encoded><![CDATA[{CHALLENGE_ITEM_TEXT}]]></content:encoded>"),
    ]
    # the first link points at the aggregator's own host (here the loopback server, which
    # would redirect like Bing does): it must be unwrapped, never requested
    server.route("/news/apiclick.aspx", "", status=302, headers={"Location": urls["page"]})
    hosts = [server.url("").rstrip("/"), "https://www.bing.com", "https://www.bing.com"]
    body = "".join(
        f"<item><title>{t}</title><link>{_bing_link(u, hosts[i])}</link><pubDate>{_rfc822(now - timedelta(hours=i + 1))}</pubDate>"
        f"<News:Source>{src}</News:Source>{extra}</item>"
        for i, (t, u, src, extra) in enumerate(items)
    )
    server.route(
        "/news/search",
        '<?xml version="1.0" encoding="utf-8"?><rss xmlns:News="https://www.bing.com:443/news/search?q=x&amp;format=rss" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0"><channel><title>Bing News</title>'
        f"<link>https://www.bing.com/news</link><description>search</description>{body}</channel></rss>",
        content_type="application/rss+xml; charset=utf-8",
    )
    server.route(
        "/pub/feed.xml",
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>The Harbour Ledger</title>'
        f"<link>{server.url('/pub/')}</link><description>d</description><item><title>Licences for gallium exports</title>"
        f"<link>{urls['page']}</link><guid isPermaLink=\"false\">ledger-1001</guid>"
        f"<pubDate>{_rfc822(now - timedelta(hours=1))}</pubDate></item></channel></rss>",
        content_type="application/rss+xml",
    )
    server.route("/forbidden/feed.xml", "<rss/>", content_type="application/rss+xml")
    return urls


def test_todays_web_replay(tmp_path: Path) -> None:
    server = TestServer()
    try:
        urls = build_world(server)
        db = tmp_path / "w.duckdb"
        cfg = tmp_path / "reewatch.toml"
        feeds = [("/news/search?q=rare+earths&format=rss", "Bing News: rare earths"),
                 ("/pub/feed.xml", "The Harbour Ledger"), ("/forbidden/feed.xml", "Forbidden feed")]
        cfg.write_text(
            "".join(f'[[feeds]]\nurl = "{server.url(p)}"\nname = "{n}"\n\n' for p, n in feeds)
            + f'[database]\npath = "{db}"\n\n[fetch]\nallow_hosts = ["{server.host_port}"]\n'
            "timeout = 5.0\nretries = 0\nper_host_delay = 0.0\nrespect_robots = true\nextract_all = true\n",
            encoding="utf-8",
        )
        run = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--config", str(cfg)], cwd=ROOT,
            env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=300,
        )
    finally:
        server.close()
    assert run.returncode == 0, run.stdout + run.stderr
    # The forbidden feed: refused before it was requested, and named with the reason.
    assert server.count("/forbidden/feed.xml") == 0
    assert "Forbidden feed" in run.stdout and "robots.txt" in run.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        arts = {r[0]: r[1:] for r in con.execute(
            "SELECT url, site, text, evidence, extraction, fallback_reason FROM articles").fetchall()}
        sources = con.execute("SELECT url, feed_url, guid, outlet FROM article_sources").fetchall()
        events = con.execute(
            "SELECT e.type, e.evidence, e.source_count, list(DISTINCT a.url) FROM events e "
            "JOIN event_mentions m USING (event_id) JOIN articles a ON a.article_id = m.article_id "
            "GROUP BY ALL").fetchall()
        errors = con.execute("SELECT kind, url FROM errors").fetchall()
    finally:
        con.close()
    # Stored article URLs are the publishers', never the aggregator's redirect link.
    assert set(arts) == set(urls.values())
    assert not any("bing.com" in u or "apiclick" in u for u in arts)
    assert server.count("/news/apiclick.aspx") == 0
    # The outlet is the one the feed names.
    assert arts[urls["consent"]][0] == "Southern Cross Wire"
    assert arts[urls["challenge"]][0] == "Capitol Minerals Report"
    # No interstitial text stored; the feed's own text instead, with the reason.
    for key in ("consent", "challenge"):
        site, text, evidence, extraction, reason = arts[urls[key]]
        assert "cookies" not in text.lower() and "javascript" not in text.lower()
        assert evidence == "feed_text" and extraction == "feed" and reason
    assert "consent" in arts[urls["consent"]][4]
    assert "Officials said the fund" in arts[urls["challenge"]][1]  # content:encoded, not the description
    assert arts[urls["page"]][2] == "page"
    # Events: from the feed's own text with evidence feed_text, from a page with evidence page.
    by_url = {u: (t, ev, n) for t, ev, n, us in events for u in us}
    assert by_url[urls["consent"]][1] == "feed_text"
    assert by_url[urls["challenge"]][1] == "feed_text"
    assert by_url[urls["page"]][1] == "page"
    # One story through two sources: one article, both sources recorded, counted once.
    page_sources = [s for s in sources if s[0] == urls["page"]]
    assert len(page_sources) == 2
    assert {s[2] for s in page_sources} >= {"ledger-1001"}
    assert by_url[urls["page"]][2] == 1
    assert ("robots_disallowed", server.url("/forbidden/feed.xml")) in errors
