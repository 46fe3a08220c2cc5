"""Source kinds replayed on loopback: rss (aggregators), gdelt, federal_register, sitemap, html_list.

Each kind is tested twice: with small fixtures written here, and (where ../shared has
one) with the saved real response of that source, read at run time, never copied.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from extractors import links
from extractors.feeds import parse_feed_detailed, poll_feeds
from extractors.sources import federal_register, gdelt, html_list, problems, sitemap
from extractors.types import FeedSpec, FeedState
from tests.httpserver import (
    http_server,  # noqa: F401
    settings_for,
)

FIXTURES = (http_server,)  # the loopback server fixture, taken by name below
NOW = datetime(2026, 7, 22, 13, 0, tzinfo=UTC)


def peers(shared_dir: Path, rel: str) -> bytes:
    path = shared_dir / "peers" / "sources" / rel
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()


def poll(server, *specs: FeedSpec, states=None, **overrides):
    return poll_feeds(list(specs), states or {}, settings_for(server, **overrides), now=NOW)


# ------------------------------------------------------------------ links


def test_unwrap_bing_and_google_alerts_links():
    bing = ("https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=AB12&url="
            "https%3a%2f%2fwww.example-news.com%2f2026%2f07%2fstory&c=3&mkt=en-us")
    assert links.unwrap(bing) == "https://www.example-news.com/2026/07/story"
    alert = "https://www.google.com/url?rct=j&sa=t&url=https://pub.example.org/a?id=1&ct=ga&usg=X"
    assert links.unwrap(alert) == "https://pub.example.org/a?id=1"
    # the same shapes served from a mirror or a loopback replay
    mirror = "http://127.0.0.1:8080/news/apiclick.aspx?ref=FexRss&tid=9&url=http%3a%2f%2f127.0.0.1%3a8081%2fstory"
    assert links.unwrap(mirror) == "http://127.0.0.1:8081/story"
    assert links.unwrap("http://127.0.0.1:8080/url?rct=j&sa=t&url=http://127.0.0.1:8081/a&usg=Q") == \
        "http://127.0.0.1:8081/a"
    assert links.unwrap("https://site.example/url?url=https://elsewhere.example/") == \
        "https://site.example/url?url=https://elsewhere.example/"  # a generic /url on any host is not one
    # not a redirector: left alone; a redirector without a usable target too
    plain = "https://www.bing.com/news/search?q=x"
    assert links.unwrap(plain) == plain
    assert links.unwrap("https://www.google.com/url?url=javascript:alert(1)").startswith("https://www.google.com")


def test_bing_feed_identity_outlet_and_content():
    body = (
        b'<?xml version="1.0"?><rss xmlns:News="https://www.bing.com:443/news/search?q=x&amp;format=rss" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0"><channel><title>b</title>'
        b"<item><title>One</title><link>https://www.bing.com/news/apiclick.aspx?tid=1&amp;url=https%3a%2f%2fa.example%2fx"
        b"</link><News:Source>Alpha Times</News:Source><description>short</description>"
        b"<content:encoded>&lt;p&gt;A longer full text.&lt;/p&gt;</content:encoded></item>"
        b"<item><title>One again</title><link>https://www.bing.com/news/apiclick.aspx?tid=2&amp;url=https%3a%2f%2fa.example%2fx"
        b"</link><News:Source>Alpha Times</News:Source></item></channel></rss>"
    )
    parsed = parse_feed_detailed(body, "https://www.bing.com/news/search?format=rss", 100, NOW)
    assert [e.url for e in parsed.entries] == ["https://a.example/x"]  # the changing tid is gone
    entry = parsed.entries[0]
    assert entry.outlet == "Alpha Times" and "full text" in entry.content
    assert parsed.dropped == {"duplicate": 1}


def test_google_alerts_capture_links_unwrapped(shared_dir):
    body = peers(shared_dir, "googlealerts/feedjira_google_alerts_atom_slack_2019.xml")
    parsed = parse_feed_detailed(body, "https://www.google.com/alerts/feeds/1/2", 100, NOW)
    assert parsed.entries
    assert all("google.com" not in e.url for e in parsed.entries)


def test_google_news_capture_is_headlines_only(shared_dir):
    body = peers(shared_dir, "googlenews/monument-watch_google_news_rss_search_bears-ears.xml")
    parsed = parse_feed_detailed(body, "https://news.google.com/rss/search?q=x", 500, NOW)
    assert len(parsed.entries) > 50
    for e in parsed.entries:
        assert e.headline_only and not e.fetch and not e.summary and not e.content
        assert e.outlet and not e.title.endswith(f" - {e.outlet}")
    assert links.unfollowable("https://news.google.com/rss/search?q=x")


def test_google_news_robots_capture_forbids_rss(shared_dir):
    from protego import Protego

    rules = Protego.parse(peers(shared_dir, "robots/news.google.com_robots_legacy.txt").decode())
    assert not rules.can_fetch("https://news.google.com/rss/search?q=x", "reewatch")
    assert rules.can_fetch("https://news.google.com/", "reewatch")


def test_robots_longest_match_and_wildcards(http_server):
    http_server.route(
        "/robots.txt",
        "User-agent: *\nDisallow: /\nAllow: /feeds/*.xml$\nUser-agent: otherbot\nAllow: /\n",
        content_type="text/plain",
    )
    http_server.route("/feeds/a.xml", b"<rss version='2.0'><channel><title>t</title></channel></rss>",
                      content_type="application/rss+xml")
    ok, refused = poll(
        http_server, FeedSpec(http_server.url("/feeds/a.xml"), "a"),
        FeedSpec(http_server.url("/feeds/a.xml.bak"), "b"), respect_robots=True,
    )
    assert ok.status == "ok"
    assert refused.status == "failed" and refused.error.kind == "robots_disallowed"
    assert http_server.count("/feeds/a.xml.bak") == 0


def test_wordpress_capture_full_text(shared_dir):
    body = peers(shared_dir, "wordpress/suwa.org_feed.xml")
    parsed = parse_feed_detailed(body, "https://suwa.org/feed/", 100, NOW)
    assert parsed.entries and all(len(e.content) > len(e.summary) for e in parsed.entries)


# ------------------------------------------------------------------ gdelt

GDELT_BODY = json.dumps({"articles": [
    {"url": "https://mining.example/rare-earth-quota", "url_mobile": "", "title": "Quota for rare earth mining raised",
     "seendate": "20260722T121500Z", "socialimage": "", "domain": "mining.example", "language": "English",
     "sourcecountry": "Australia"},
    {"url": "", "title": "no link", "seendate": "20260722T120000Z", "domain": "x.example"},
]}).encode()


def test_gdelt_poll_request_and_entries(http_server):
    http_server.route("/api/v2/doc/doc", GDELT_BODY, content_type="application/json")
    spec = FeedSpec(http_server.url("/api/v2/doc/doc"), "GDELT", kind="gdelt",
                    query='"rare earth" OR "critical minerals"', min_interval=0.01)
    state = FeedState(spec.url, last_success=NOW - timedelta(hours=6))
    (result,) = poll(http_server, spec, states={spec.url: state})
    assert result.status == "ok" and result.dropped == {"no_link": 1}
    (entry,) = result.entries
    assert entry.outlet == "mining.example" and entry.country == "Australia" and entry.language == "English"
    assert entry.published == datetime(2026, 7, 22, 12, 15, tzinfo=UTC) and entry.headline_only
    sent = http_server.requests[-1].path
    assert "mode=artlist" in sent and "format=json" in sent and "startdatetime=20260722060000" in sent


def test_gdelt_capture_parses(shared_dir):
    body = peers(shared_dir, "gdelt/gdelt_doc2_artlist_climate_20260722.json")
    parsed = gdelt.parse(body, FeedSpec("https://api.gdeltproject.org/api/v2/doc/doc", "g", kind="gdelt"), NOW)
    assert len(parsed.entries) + sum(parsed.dropped.values()) == 250
    assert all(e.outlet and e.published for e in parsed.entries)


@pytest.mark.parametrize("name,kind", [
    ("gdelt/gdelt_doc_rate_limited_20260712.txt", "rate_limited"),
    ("gdelt/gdelt_doc_keyword_error_20260712.txt", "bad_api_answer"),
    ("gdelt/gdelt_doc_error_maxrecords.txt", "bad_api_answer"),
])
def test_gdelt_text_refusals_are_clear_errors(shared_dir, http_server, name, kind):
    http_server.route("/api/v2/doc/doc", peers(shared_dir, name), content_type="text/plain")
    spec = FeedSpec(http_server.url("/api/v2/doc/doc"), "GDELT", kind="gdelt", query="x", min_interval=0.01)
    (result,) = poll(http_server, spec, retries=0)
    assert result.status == "failed" and result.error.kind == kind
    assert result.error.transient == (kind == "rate_limited")


def test_gdelt_requests_are_spaced(http_server):
    http_server.route("/api/v2/doc/doc", GDELT_BODY, content_type="application/json")
    specs = [FeedSpec(http_server.url(f"/api/v2/doc/doc?n={i}"), f"g{i}", kind="gdelt", query="x",
                      min_interval=0.4) for i in range(3)]
    times = []
    original = http_server.record

    def stamp(h):
        times.append(time.monotonic())
        original(h)

    http_server.record = stamp
    results = poll(http_server, *specs)
    assert all(r.status == "ok" for r in results)
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.35


def test_gdelt_default_interval_is_five_seconds():
    assert gdelt.GDELT_INTERVAL == 5.0


# ------------------------------------------------------------------ federal register

FR_BODY = json.dumps({"count": 1, "results": [
    {"title": "Imposition of Export Licence Requirements on Certain Rare Earth Magnets", "type": "Rule",
     "abstract": "The Bureau of Industry and Security adds licence requirements for rare earth magnets.",
     "document_number": "2026-12345", "html_url": "https://www.federalregister.gov/documents/2026/07/20/2026-12345/x",
     "publication_date": "2026-07-20", "agencies": [{"name": "Industry and Security Bureau", "slug": "industry-and-security-bureau"}]},
]}).encode()


def test_federal_register_poll(http_server):
    http_server.route("/api/v1/documents.json", FR_BODY, content_type="application/json")
    spec = FeedSpec(http_server.url("/api/v1/documents.json"), "FR", kind="federal_register",
                    query="rare earth", agencies=("industry-and-security-bureau",), document_types=("RULE",))
    (result,) = poll(http_server, spec)
    (entry,) = result.entries
    assert entry.guid == "2026-12345" and entry.outlet == "Federal Register" and not entry.fetch
    assert "Industry and Security Bureau" in entry.summary and entry.published.date().isoformat() == "2026-07-20"
    sent = http_server.requests[-1].path
    assert "conditions%5Bagencies%5D%5B%5D=industry-and-security-bureau" in sent
    assert "conditions%5Btype%5D%5B%5D=RULE" in sent and "publication_date%5D%5Bgte%5D=2026-07-15" in sent


def test_federal_register_capture_parses(shared_dir):
    body = peers(shared_dir, "federalregister/monument-watch_fr_documents_search_bears-ears.json")
    parsed = federal_register.parse(body, FeedSpec("https://www.federalregister.gov/api/v1/documents.json", "f",
                                                   kind="federal_register"), NOW)
    assert len(parsed.entries) == 5 and all(e.guid and e.summary for e in parsed.entries)


def test_federal_register_config_problems():
    spec = FeedSpec("https://x.example/api", "f", kind="federal_register", document_types=("MEMO",))
    assert len(problems(spec)) == 2


# ------------------------------------------------------------------ sitemap

SITEMAP = (
    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:n="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>{base}/a</loc><n:news><n:publication>'
    "<n:name>Ore Weekly</n:name><n:language>en</n:language></n:publication>"
    "<n:publication_date>2026-07-21T10:00:00Z</n:publication_date><n:title>Lithium mine approved</n:title></n:news></url>"
    "<url><loc>{base}/old</loc><lastmod>2025-01-01</lastmod></url></urlset>"
)


def test_sitemap_index_and_news_namespace_by_uri(http_server):
    base = http_server.url("")
    http_server.route("/sitemap.xml", (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/news-1.xml</loc><lastmod>2026-07-21</lastmod></sitemap></sitemapindex>"
    ), content_type="application/xml")
    http_server.route("/news-1.xml", SITEMAP.format(base=base), content_type="application/xml")
    (result,) = poll(http_server, FeedSpec(http_server.url("/sitemap.xml"), "s", kind="sitemap"))
    first = result.entries[0]
    assert first.title == "Lithium mine approved" and first.outlet == "Ore Weekly" and first.language == "en"
    assert len(result.entries) == 2
    # the backfill hook: only what was published since a day
    limited = sitemap.parse(SITEMAP.format(base=base).encode(), FeedSpec(base, "s", kind="sitemap"), NOW,
                            since=datetime(2026, 1, 1, tzinfo=UTC))
    assert [e.title for e in limited.entries] == ["Lithium mine approved"]
    assert limited.dropped == {"older_than_since": 1}


@pytest.mark.parametrize("name,count", [
    ("sitemaps/bentonvillebulletin_news-sitemap_20260813.xml", 4),
    ("sitemaps/bentonvillebulletin_news-sitemap_empty_20260814.xml", 0),
])
def test_sitemap_captures(shared_dir, name, count):
    parsed = sitemap.parse(peers(shared_dir, name), FeedSpec("https://s.example/news-sitemap.xml", "s",
                                                             kind="sitemap"), datetime.now(UTC))
    assert len(parsed.entries) == count
    assert all(e.title and e.outlet and e.published for e in parsed.entries)


def test_sitemap_xfeed_capture(shared_dir):
    parsed = sitemap.parse(peers(shared_dir, "sitemaps/xfeed.ca_news-sitemap_20250414.xml"),
                           FeedSpec("https://news.xfeed.ca/news-sitemap.xml", "x", kind="sitemap"), datetime.now(UTC))
    assert parsed.entries and all(e.outlet == "Xfeed" for e in parsed.entries)


def test_sitemap_refuses_entity_declarations(http_server):
    http_server.route("/s.xml", '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "b">]><urlset/>',
                      content_type="application/xml")
    (result,) = poll(http_server, FeedSpec(http_server.url("/s.xml"), "s", kind="sitemap"))
    assert result.status == "failed" and result.error.kind == "unsafe_feed"


# ------------------------------------------------------------------ html_list

LIST_PAGE = """<html><head><meta charset="utf-8"></head><body><ul class="notices">
<li><a href="/article/202610/20261009.shtml">Announcement No. 61 of 2026 on export control of rare earth items</a>
<span class="date">2026-07-09</span></li>
<li><a href="/article/202610/20261010.shtml">Announcement No. 62 of 2026 on lithium battery items</a>
<span class="date">2026年07月10日</span></li>
<li><span>no link here</span></li></ul></body></html>"""


def test_html_list_selectors(http_server):
    http_server.route("/list.html", LIST_PAGE)
    spec = FeedSpec(http_server.url("/list.html"), "MOFCOM", kind="html_list", item_selector="ul.notices li",
                    date_selector="span.date", language="en")
    (result,) = poll(http_server, spec)
    assert [e.url for e in result.entries] == [http_server.url("/article/202610/20261009.shtml"),
                                              http_server.url("/article/202610/20261010.shtml")]
    assert result.entries[0].title.startswith("Announcement No. 61")
    assert [e.published.date().isoformat() for e in result.entries] == ["2026-07-09", "2026-07-10"]
    assert result.dropped == {"not_an_item": 1}  # the dateless <li> is no announcement


def test_html_list_selector_that_matches_nothing_says_so(http_server):
    http_server.route("/list.html", LIST_PAGE)
    spec = FeedSpec(http_server.url("/list.html"), "m", kind="html_list", item_selector="table.gone tr")
    (result,) = poll(http_server, spec)
    assert result.status == "failed" and result.error.kind == "selector_no_match"
    assert "selectors" in result.error.message
    assert problems(FeedSpec("https://x.example/", "m", kind="html_list")) != []
    assert problems(FeedSpec("https://x.example/", "m", kind="html_list", item_selector="li[")) != []
    assert html_list.check(FeedSpec("https://x.example/", "m", kind="html_list", item_selector="li a")) == []


def test_ssrf_refused_for_every_kind(http_server):
    """Sources of every kind go through the guarded fetcher: a private address is refused."""
    specs = [
        FeedSpec("http://10.255.255.1/feed", "rss"),
        FeedSpec("http://10.255.255.1/api", "g", kind="gdelt", query="x", min_interval=0.01),
        FeedSpec("http://10.255.255.1/fr", "f", kind="federal_register", query="x"),
        FeedSpec("http://10.255.255.1/s.xml", "s", kind="sitemap"),
        FeedSpec("http://10.255.255.1/l", "h", kind="html_list", item_selector="li"),
    ]
    results = poll(http_server, *specs)
    assert [r.error.kind for r in results] == ["blocked_address"] * 5


# ------------------------------------------------------------------ configuration


def test_example_config_documents_every_source_key(tmp_path):
    import dataclasses

    from flows.config import ConfigError, load_settings

    example = Path(__file__).resolve().parents[1] / "reewatch.example.toml"
    text = example.read_text(encoding="utf-8")
    for f in dataclasses.fields(FeedSpec):
        assert f"\n{f.name} = " in text, f.name
    assert "\nfirst_run_days = " in text
    settings = load_settings(example)
    assert [f.kind for f in settings.feeds] == ["rss", "gdelt", "federal_register", "sitemap", "html_list"]
    assert all(problems(f) == [] for f in settings.feeds)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[feeds]]\nurl = "https://x.example/"\nkind = "atom2"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown kind 'atom2'"):
        load_settings(bad)
    bad.write_text('[[feeds]]\nurl = "https://x.example/"\nkind = "federal_register"\nagencies = [1]\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="agencies"):
        load_settings(bad)


def test_google_news_shaped_feed_warns_and_is_not_followed(http_server):
    """A user who adds Google News (here a mirror on loopback) gets a warning and headlines only."""
    items = "".join(
        f"<item><title>Rare earth story {i} - Outlet {i}</title>"
        f"<link>https://news.google.com/rss/articles/CBMiTOKEN{i}?oc=5</link>"
        f'<guid isPermaLink="false">CBMiTOKEN{i}</guid><pubDate>Wed, 22 Jul 2026 0{i}:00:00 GMT</pubDate>'
        f'<description>&lt;ol&gt;&lt;li&gt;&lt;a href="https://news.google.com/rss/articles/CBMiTOKEN{i}"&gt;'
        f"Rare earth story {i}&lt;/a&gt;&lt;/li&gt;&lt;/ol&gt;</description>"
        f'<source url="https://outlet{i}.example">Outlet {i}</source></item>'
        for i in range(1, 4)
    )
    http_server.route("/rss/search", f'<?xml version="1.0"?><rss version="2.0"><channel><title>g</title>'
                      f"<generator>NFE/5.0</generator>{items}</channel></rss>", content_type="application/xml")
    (result,) = poll(http_server, FeedSpec(http_server.url("/rss/search?q=rare+earth"), "Google News"))
    assert result.warnings and "headlines" in result.warnings[0]
    assert [e.outlet for e in result.entries] == ["Outlet 1", "Outlet 2", "Outlet 3"]
    assert all(e.headline_only and not e.fetch and e.title.startswith("Rare earth story") for e in result.entries)
    from extractors.articles import fetch_articles

    batch = fetch_articles(result.entries, settings_for(http_server))
    assert [a.evidence for a in batch.articles] == ["headline"] * 3
    assert [a.text for a in batch.articles] == [e.title for e in result.entries]
