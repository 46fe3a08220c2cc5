"""The relevance gate on raw markup (before trafilatura) never rejects a page whose text
would pass the gate, and the fetch path stores such pages raw instead of extracting them."""

# ruff: noqa: F811  (pytest fixtures imported from tests.httpserver are shadowed by parameters)

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from extractors import relevance
from extractors.articles import BadContent, decode_html, extract_article, fetch_articles
from extractors.evaluate import article_from_line, read_jsonl
from extractors.relevance import has_commodity, markup_may_mention
from extractors.types import FeedEntry
from tests.httpserver import http_server, settings_for  # noqa: F401

# phrases of the vocabulary (models/patterns/entities.jsonl) and the gate's context phrases
PHRASES = [
    "rare-earths",
    "critical and strategic raw materials",
    "strategic metals",
    "transition minerals",
    "minerals stockpile",
    "permanent magnets",
    "rare earth magnets",
    "superhard materials",
    "seabed mining",
    "deep-sea mining",
    "platinum group metals",
    "polymetallic nodules",
]
QUIET_PAGE = (
    "<html><head><title>Harbour festival draws crowds</title></head><body>"
    "<article><h1>Harbour festival draws crowds</h1>"
    + "".join(
        f"<p>Visitor group {n} walked the quay on Saturday as {n + 2} boats paraded past the old "
        f"customs house, and stall {n * 3} sold out of smoked fish before noon.</p>"
        for n in range(12)
    )
    + "</article></body></html>"
)


def page(body: str, head: str = "<title>News</title>") -> str:
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


def test_every_vocabulary_form_passes_both_gates():
    """The gate reads the same vocabulary as the entity ruler: every strong commodity form
    passes the text gate and, set in markup, the markup gate."""
    from models import read_patterns

    strong = [r["pattern"] for r in read_patterns("entities") if r["label"] == "COMMODITY" and not r.get("weak")]
    assert {"palladium", "zirconium"} <= set(strong)
    for form in relevance.gate_forms():
        assert has_commodity(f"Officials discussed {form} on Monday."), form
        assert markup_may_mention(page(f"<p>Officials discussed <b>{form}</b> on Monday.</p>")), form
    for form in strong:
        assert has_commodity(form), form
    weak = [r["pattern"] for r in read_patterns("entities") if r["label"] == "COMMODITY" and r.get("weak")]
    assert not any(has_commodity(f"We talked about {w} today.") for w in weak if w.lower() not in
                   {f.lower() for f in strong})


@pytest.mark.parametrize("phrase", PHRASES)
def test_phrases_pass_in_markup(phrase):
    assert markup_may_mention(page(f"<p>Officials discussed {phrase} on Monday.</p>"))
    words = phrase.split(" ")
    # one word per element, in capitals, split across paragraphs
    assert markup_may_mention(page("".join(f"<p>{w.upper()}</p>" for w in words)))


def test_every_single_word_term_passes():
    assert len(relevance._WORDS) >= 30
    for word in relevance._WORDS:
        term = word.decode()
        assert markup_may_mention(page(f"<p>The price of {term.capitalize()} rose.</p>")), term


@pytest.mark.parametrize(
    "body,head",
    [
        ("<p>New curbs on <b>Li</b>thium exports.</p>", "<title>x</title>"),  # word split by a tag
        ("<p>rare&nbsp;earth prices</p>", "<title>x</title>"),  # entity between the words
        ("<p>QUIET</p>", '<meta property="og:title" content="Graphite duties rise">'),  # title only in an attribute
        ("<p>rare</p><div>earths</div>", "<title>x</title>"),
    ],
)
def test_markup_shapes_that_still_pass(body, head):
    assert markup_may_mention(page(body, head))


def test_a_page_naming_no_mineral_is_rejected():
    assert not markup_may_mention(QUIET_PAGE)
    assert not markup_may_mention(page("<p>A rare bird was seen.</p><p>Critical reviews poured in.</p>"))


def test_gate_never_rejects_what_the_text_gate_accepts(shared_dir):
    """On every saved real page: text that passes the relevance gate implies markup that passes."""
    paths = sorted((shared_dir / "peers").rglob("*.html.gz"))
    if not paths:
        pytest.skip("no saved pages (*.html.gz) under shared/peers")
    relevant = rejected = 0
    for path in paths:
        body = gzip.decompress(path.read_bytes())
        try:  # no feed entry: the page's own text, whatever the interstitial checks would say
            article = extract_article(body, "http://site.invalid/a", "text/html", None, None, extract_all=True)
        except BadContent:
            continue
        markup_ok = markup_may_mention(decode_html(body, None)[0])
        if relevance.is_relevant(article):
            relevant += 1
            assert markup_ok, path.name
        elif not markup_ok:
            rejected += 1
    assert relevant >= 3 and rejected >= 100  # the set holds both kinds


def test_gate_agrees_on_every_gold_text(shared_dir):
    """Real news texts (the eval sets) set in markup: every relevant one passes."""
    import html

    lines = [x for name in ("seed.gold.jsonl", "dev.jsonl")
             for x in read_jsonl(shared_dir / "eval" / name)] if (shared_dir / "eval").is_dir() else []
    if not lines:
        pytest.skip("no eval sets under shared/eval")
    relevant = 0
    for line in lines:
        article = article_from_line(line)
        if not relevance.is_relevant(article):
            continue
        relevant += 1
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in (article.text or "").split("\n") if p.strip())
        assert markup_may_mention(page(paras, f"<title>{html.escape(article.title)}</title>")), line["id"]
    assert relevant >= 50


def test_quiet_page_is_stored_raw_not_extracted():
    entry = FeedEntry("http://feed.invalid/rss", "http://site.invalid/q", "Harbour festival",
                      "<p>Boats and crowds.</p>", datetime(2026, 3, 1, tzinfo=UTC))
    body = QUIET_PAGE.encode()
    skipped = extract_article(body, entry.url, "text/html", "utf-8", entry, extract_all=False)
    assert skipped.extraction == "skipped" and skipped.fallback_reason is None
    assert skipped.text == "Harbour festival\n\nBoats and crowds."  # the feed's words stand in
    assert gzip.decompress(skipped.raw_html_gz) == body  # nothing lost
    full = extract_article(body, entry.url, "text/html", "utf-8", entry, extract_all=True)
    assert full.extraction == "page" and "customs house" in full.text


def test_feed_title_alone_lets_a_page_through():
    entry = FeedEntry("http://feed.invalid/rss", "http://site.invalid/t", "Lithium talks resume", "", None)
    art = extract_article(QUIET_PAGE.encode(), entry.url, "text/html", "utf-8", entry, extract_all=False)
    assert art.extraction == "page"


def test_fetch_path_skips_quiet_pages(http_server):
    quiet = http_server.route("/page/quiet", body=QUIET_PAGE.encode(), content_type="text/html; charset=utf-8")
    entries = [FeedEntry("http://feed.invalid/rss", u, t, "", None)
               for u, t in ((http_server.url("/page/good"), "Good"), (quiet, "Festival"))]
    batch = fetch_articles(entries, settings_for(http_server))
    kinds = {a.url: a.extraction for a in batch.articles}
    assert kinds == {entries[0].url: "page", quiet: "skipped"}
    batch = fetch_articles(entries, settings_for(http_server, extract_all=True))
    assert {a.extraction for a in batch.articles} == {"page"}
