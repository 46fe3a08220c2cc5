"""Recognise a page that stands in front of the article (pure).

A consent wall, a bot challenge ("Just a moment...", "verify you are a human"), a
login wall or a paywall teaser often has a few hundred characters of text, enough
to pass for an article. Stored as one, it hides the event the feed's own text
states. `classify` names such a page from four kinds of evidence:

* the final host after redirects (consent.google.com, a captcha host);
* markers in the title, the markup and the text (data/interstitials.json); title and
  text markers count only on a short page, so an article that quotes them is safe;
* page text much shorter than the full text the feed carries;
    # A full article whose canonical URL is elsewhere is a syndicated copy (dedup's business);
    # a short page pointing elsewhere is a teaser or a wall in front of the original.
* a canonical URL on another site than the article's, on a short page (a syndicated
  full article names its original too, and is still the article).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

DATA = Path(__file__).parent / "data" / "interstitials.json"
SHORT_PAGE_CHARS = 2000  # title and text markers count only on pages shorter than this
HTML_SCAN_CHARS = 200_000
SHORTER_THAN_FEED = 0.5  # page text under half the feed's full text: the feed's text is kept
MIN_FEED_CHARS = 400  # ... when the feed's full text is at least this long
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Markers:
    hosts: tuple[str, ...]
    title: tuple[str, ...]
    html: tuple[str, ...]
    text: tuple[str, ...]


@lru_cache(maxsize=1)
def markers() -> dict[str, Markers]:
    kinds = json.loads(DATA.read_text(encoding="utf-8"))["kinds"]
    return {
        name: Markers(*(tuple(m.lower() for m in spec.get(key, []))
                        for key in ("hosts", "title", "html", "text")))
        for name, spec in kinds.items()
    }


def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower()


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.endswith("."):
        return host.startswith(pattern)
    return host == pattern or host.endswith("." + pattern)


def _site(host: str) -> str:
    """The last two labels of a host ("www.reuters.com" -> "reuters.com"): same site or not."""
    return ".".join(host.removeprefix("www.").split(".")[-2:])


def page_title(html_text: str) -> str:
    match = _TITLE.search(html_text[:HTML_SCAN_CHARS])
    return " ".join(match.group(1).split()).lower() if match else ""


def classify(
    html_text: str,
    text: str,
    *,
    final_url: str,
    article_url: str,
    canonical_url: str | None = None,
    feed_text_chars: int = 0,
) -> str | None:
    """Why this page is not the article ("consent: final host consent.google.com", ...), or None."""
    host = _host(final_url)
    head = html_text[:HTML_SCAN_CHARS].lower()
    title = page_title(html_text)
    body = text.lower()
    short = len(text) < SHORT_PAGE_CHARS
    for kind, m in markers().items():
        for pattern in m.hosts:
            if host and _host_matches(host, pattern):
                return f"{kind}: final host {host}"
        for marker in m.html:
            if marker in head:
                return f"{kind}: page markup has {marker!r}"
        if short:
            for marker in m.title:
                if marker in title:
                    return f"{kind}: page title {title[:80]!r}"
            for marker in m.text:
                if marker in body:
                    return f"{kind}: page text says {marker!r}"
    canonical_host = _host(canonical_url)
    article_host = _host(article_url)
    # A full article whose canonical URL is elsewhere is a syndicated copy (dedup's business);
    # a short page pointing elsewhere is a teaser or a wall in front of the original.
    if short and canonical_host and article_host and _site(canonical_host) not in (
        _site(article_host), _site(host)
    ):
        return f"canonical_elsewhere: the page names {canonical_host} as its original"
    if feed_text_chars >= MIN_FEED_CHARS and len(text) < SHORTER_THAN_FEED * feed_text_chars:
        return f"shorter_than_feed: page text {len(text)} chars, the feed's {feed_text_chars}"
    return None
