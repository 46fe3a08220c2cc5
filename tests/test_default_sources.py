"""Every built-in source, replayed on loopback in the shape that source really serves.

The fixtures are written here (invented texts); their shapes follow what each publisher's
platform serves: WordPress RSS with full text in content:encoded (Mining Technology, The
Northern Miner, the White House), Drupal RSS with summaries (USTR, DOE), the GDELT DOC 2.0
and Federal Register JSON APIs, the press corner's RSS, MOFCOM's announcement list page, and
the RSS 2.0 summary feeds of the Asian outlets. Each default's URL is kept, only its host is
swapped for the loopback server, so the path, query and kind under test are the real ones.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from extractors.articles import feed_text
from extractors.feeds import poll_feeds
from flows.config import DEFAULT_FEEDS
from tests.httpserver import TestServer, settings_for

NOW = datetime.now(UTC)
WHEN = format_datetime(NOW - timedelta(hours=5), usegmt=True)
README = Path(__file__).resolve().parents[1] / "README.md"
FULL = ("<p>The agency said the new licence rule for gallium and germanium exports takes effect "
        "next month and covers every shipment above ten kilograms.</p>") * 3


def _rss(items: str, ns: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {ns}><channel><title>t</title>'
            f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>")


def wordpress(base: str) -> tuple[str, str]:
    ns = ('xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:wfw="http://wellformedweb.org/CommentAPI/"')
    item = (f"<item><title>New licence rule for gallium</title><link>{base}/2026/licence-rule/</link>"
            f"<dc:creator><![CDATA[Staff]]></dc:creator><pubDate>{WHEN}</pubDate>"
            f'<guid isPermaLink="false">{base}/?p=101</guid><description><![CDATA[The agency said [&#8230;]]]></description>'
            f"<content:encoded><![CDATA[{FULL}]]></content:encoded></item>")
    return _rss(item, ns), "application/rss+xml; charset=UTF-8"


def drupal(base: str) -> tuple[str, str]:
    ns = 'xmlns:dc="http://purl.org/dc/elements/1.1/" xml:base="https://example.gov/"'
    item = (f"<item><title>Statement on critical minerals talks</title><link>{base}/news/statement-1</link>"
            "<description>&lt;p&gt;The office announced talks on critical minerals supply.&lt;/p&gt;</description>"
            f'<pubDate>{WHEN}</pubDate><dc:creator>Press Office</dc:creator><guid isPermaLink="false">9001 at {base}</guid></item>')
    return _rss(item, ns), "application/rss+xml; charset=utf-8"


def summary_rss(base: str) -> tuple[str, str]:
    ns = 'xmlns:media="http://search.yahoo.com/mrss/"'
    item = (f"<item><title>Rare earth prices climb</title><link>{base}/article/rare-earth-prices</link>"
            "<description>Prices of rare earth oxides rose for a third week.</description>"
            f'<pubDate>{WHEN}</pubDate><guid>{base}/article/rare-earth-prices</guid>'
            '<media:content url="https://img.example/x.jpg" medium="image"/></item>')
    return _rss(item, ns), "application/xml"


def presscorner(base: str) -> tuple[str, str]:
    item = (f"<item><title>Commission proposes critical raw materials projects</title>"
            f"<link>{base}/commission/presscorner/detail/en/ip_26_1234</link>"
            "<description>The Commission selected strategic projects for critical raw materials.</description>"
            f"<pubDate>{WHEN}</pubDate><guid>ip_26_1234</guid></item>")
    return _rss(item), "application/rss+xml"


def gdelt(base: str) -> tuple[str, str]:
    seen = (NOW - timedelta(hours=2)).strftime("%Y%m%dT%H%M00Z")
    body = {"articles": [{"url": "https://outlet.example/rare-earth-deal", "url_mobile": "",
                          "title": "Rare earth deal signed", "seendate": seen, "socialimage": "",
                          "domain": "outlet.example", "language": "English", "sourcecountry": "Japan"}]}
    return json.dumps(body).replace("{", "{ ").replace("}", " }"), "application/json; charset=utf-8"


def federal_register(base: str) -> tuple[str, str]:
    body = {"count": 1, "total_pages": 1, "results": [{
        "title": "Critical Minerals Import Notice", "type": "Notice",
        "abstract": "The Department announces an inquiry into imports of processed critical minerals.",
        "document_number": "2026-20001", "html_url": "https://www.federalregister.gov/documents/2026/11/30/2026-20001/x",
        "publication_date": (NOW - timedelta(days=1)).date().isoformat(),
        "agencies": [{"raw_name": "DEPARTMENT OF COMMERCE", "name": "Commerce Department", "slug": "commerce-department"}]}]}
    return json.dumps(body, separators=(",", ":")), "application/json; charset=utf-8"


def mofcom(base: str) -> tuple[str, str]:
    day = (NOW - timedelta(days=1)).date().isoformat()
    page = (
        '<html><head><meta charset="utf-8"><title>Announcements</title></head><body>'
        '<div class="nav"><ul><li><a href="/">Home</a></li></ul></div>'
        '<div class="list"><ul>'
        f'<li><a href="/News/Announcement/art/2026/art_1.html">MOFCOM Announcement No. 70 of 2026 on export '
        f"control of certain rare earth items</a><span>{day}</span></li>"
        "</ul></div></body></html>"
    )
    return page, "text/html; charset=utf-8"


SHAPES = {
    "GDELT: rare earths and critical minerals": (gdelt, "headline"),
    "Mining Technology": (wordpress, "full text"),
    "The Northern Miner": (wordpress, "full text"),
    "Mining Weekly": (summary_rss, "summary"),
    "White House presidential actions": (wordpress, "full text"),
    "Federal Register: critical minerals": (federal_register, "summary"),
    "USTR press releases": (drupal, "summary"),
    "US Department of Energy": (drupal, "summary"),
    "European Commission press corner": (presscorner, "summary"),
    "MOFCOM announcements (China)": (mofcom, "headline"),
    "Global Times": (summary_rss, "summary"),
    "China Daily: business": (summary_rss, "summary"),
    "South China Morning Post: business": (summary_rss, "summary"),
    "Nikkei Asia": (summary_rss, "summary"),
}


def test_every_default_has_a_replay_and_no_google_news():
    assert {f.name for f in DEFAULT_FEEDS} == set(SHAPES)
    assert not any("news.google." in f.url or "bing.com" in f.url for f in DEFAULT_FEEDS)
    kinds = {f.kind for f in DEFAULT_FEEDS}
    assert {"rss", "gdelt", "federal_register", "html_list"} <= kinds


def test_readme_table_lists_every_default():
    text = README.read_text(encoding="utf-8")
    for feed in DEFAULT_FEEDS:
        assert feed.name in text, feed.name


@pytest.mark.parametrize("spec", DEFAULT_FEEDS, ids=[f.name for f in DEFAULT_FEEDS])
def test_default_source_replay(spec):
    make, yields = SHAPES[spec.name]
    server = TestServer()
    try:
        parts = urlsplit(spec.url)
        body, ctype = make(server.url("").rstrip("/"))
        server.route(parts.path or "/", body, content_type=ctype)
        local = dataclasses.replace(spec, url=server.url(parts.path + (f"?{parts.query}" if parts.query else "")),
                                    min_interval=0.01 if spec.kind == "gdelt" else spec.min_interval)
        (poll,) = poll_feeds([local], {}, settings_for(server), now=NOW)
    finally:
        server.close()
    assert poll.status == "ok", poll.error
    assert len(poll.entries) == 1, poll.dropped
    entry = poll.entries[0]
    assert entry.title and entry.published is not None
    text, evidence, part = feed_text(entry)
    expected = {"full text": ("feed_text", "content:encoded"), "summary": ("feed_text", "description"),
                "headline": ("headline", "title")}[yields]
    assert (evidence, part) == expected
    if spec.kind == "gdelt":
        assert entry.outlet == "outlet.example"
