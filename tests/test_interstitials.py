"""Pages in front of the article: recognised from saved real captures and from fixtures written here."""

from __future__ import annotations

import pytest
import trafilatura

from extractors.articles import extract_article
from extractors.interstitials import classify
from extractors.types import FeedEntry
from tests.httpserver import GOOD_PARAGRAPHS, article_html

CAPTURES = {
    "consent/youtube_consent_page_de_2021.html": "consent",
    "blockpages/cloudflare_just_a_moment_managed_2026.html": "bot_challenge",
    "blockpages/cloudflare_just_a_moment_js_challenge_2020-05-27.html": "bot_challenge",
    "blockpages/datadome_challenge_cbo.gov_20260914.html": "bot_challenge",
    "blockpages/federalregister_request_access_20260203.html": "bot_challenge",
    "blockpages/akamai_access_denied_nhtsa_20260203.html": "bot_challenge",
    "paywall/wsj_paywall_teaser_2019-11.html": "paywall",
}


def _text(html: str, url: str) -> tuple[str, str | None]:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return ((doc.text or "") if doc else ""), (doc.url if doc else None)


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_saved_interstitials_are_recognised(shared_dir, name):
    path = shared_dir / "peers" / "sources" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    html = path.read_bytes().decode("utf-8", errors="replace")
    url = "https://www.example-publisher.com/2026/story"
    text, canonical = _text(html, url)
    reason = classify(html, text, final_url=url, article_url=url, canonical_url=canonical)
    assert reason is not None and reason.split(":")[0] in (CAPTURES[name], "canonical_elsewhere")


def test_a_real_article_is_not_an_interstitial():
    html = article_html("Export licences for magnet alloys", GOOD_PARAGRAPHS)
    url = "https://news.example.com/a"
    text, canonical = _text(html, url)
    assert classify(html, text, final_url=url, article_url=url, canonical_url=canonical) is None


def test_an_article_quoting_a_marker_is_safe():
    paragraphs = GOOD_PARAGRAPHS + [
        f"In week {n} of the rollout, readers who saw a page saying just a moment... and asking them "
        f"to verify you are a human were shown security check number {n} by the ministry's website, "
        "officials said, adding that the portal would be rebuilt before the licence deadline."
        for n in range(1, 9)]
    html = article_html("Ministry site slow", paragraphs)
    url = "https://news.example.com/b"
    text, canonical = _text(html, url)
    assert len(text) > 2000
    assert classify(html, text, final_url=url, article_url=url, canonical_url=canonical) is None


def test_final_host_and_canonical_elsewhere_and_shorter_than_feed():
    html = article_html("x", GOOD_PARAGRAPHS)
    url = "https://news.example.com/c"
    text, _ = _text(html, url)
    assert classify(html, text, final_url="https://consent.google.com/ml?continue=x", article_url=url).startswith("consent")
    assert classify(html, text, final_url=url, article_url=url,
                    canonical_url="https://syndicator.example.net/c").startswith("canonical_elsewhere")
    assert classify(html, text, final_url=url, article_url=url,
                    feed_text_chars=3 * len(text)).startswith("shorter_than_feed")


def test_extract_article_keeps_the_feed_text_never_the_wall():
    wall = ("<html><head><title>Before you continue</title></head><body><p>"
            + "We use cookies and data to deliver our services and measure audience engagement. " * 5
            + '</p><form action="https://consent.google.com/save"></form></body></html>')
    entry = FeedEntry("https://f.example/rss", "https://pub.example/story", title="Deal signed",
                      summary="Short.", content="<p>Japan and Australia signed a rare earth supply agreement.</p>",
                      outlet="Pub Wire")
    article = extract_article(wall.encode(), entry.url, "text/html", "utf-8", entry)
    assert article.extraction == "feed" and article.evidence == "feed_text"
    assert "cookies" not in article.text and "rare earth supply agreement" in article.text
    assert article.fallback_reason.startswith("interstitial consent") and article.site == "Pub Wire"
    assert article.raw_html_gz is None


LONG_TEXT = " ".join(["The ministry published new licensing rules for gallium exports."] * 60)


def test_a_syndicated_full_article_naming_its_original_is_the_article():
    html = "<html><head><title>Gallium rules tightened</title></head><body>...</body></html>"
    verdict = classify(
        html, LONG_TEXT,
        final_url="https://news.portal.example/story/1",
        article_url="https://news.portal.example/story/1",
        canonical_url="https://wire.example/world/gallium-rules",
    )
    assert verdict is None


def test_a_short_page_whose_canonical_is_elsewhere_is_not_the_article():
    verdict = classify(
        "<html><head><title>Welcome</title></head></html>", "Sign in to keep reading.",
        final_url="https://portal.example/a", article_url="https://portal.example/a",
        canonical_url="https://accounts.other.example/login",
    )
    assert verdict is not None and verdict.startswith("canonical_elsewhere")


def test_consent_page_on_the_publishers_own_host():
    """A consent wall served by the publisher itself (no consent host, no form markup)."""
    html = ("<html><head><title>Your privacy choices | Example Times</title></head><body><h1>Privacy</h1>"
            "<p>We use cookies and data to deliver and maintain our services, to measure audience "
            "engagement and to show personalised advertising. Select Accept all cookies or manage "
            "cookie preferences at any time from the footer of every page.</p></body></html>")
    url = "https://www.example-times.com/2026/story"
    text, canonical = _text(html, url)
    assert classify(html, text, final_url=url, article_url=url, canonical_url=canonical).startswith("consent")
