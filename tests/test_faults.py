"""Misbehaving servers, through the real Fetcher, poll_feeds and fetch_articles.

Each case checks the error kind and message, whether it was retried (the
server's request log), that it finished in bounded time, and, in the batch
tests, that good items next to it are unaffected.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.httpserver are shadowed by parameters)

from __future__ import annotations

import socket
import time
import tracemalloc

import pytest

from extractors.articles import fetch_articles
from extractors.feeds import poll_feeds
from extractors.http import Fetcher, FetchError, run_async
from extractors.types import FeedEntry, FeedSpec
from tests.httpserver import GOOD_PAGE, http_server, settings_for  # noqa: F401

# path, kind, transient, words in the message, requests expected with retries=1
FAULTS = [
    ("/fault/drip?seconds=4", "timeout", True, "total deadline", 2),
    ("/fault/500", "http_500", True, "HTTP 500", 2),
    ("/fault/503", "http_503", True, "HTTP 503", 2),
    ("/fault/429?after=0", "http_429", True, "HTTP 429", 2),
    ("/fault/403", "http_403", False, "will not be retried", 1),
    ("/fault/404", "http_404", False, "will not be retried", 1),
    ("/fault/410", "http_410", False, "will not be retried", 1),
    ("/fault/redirect-loop", "too_many_redirects", False, "redirect loop", 6),
    ("/fault/reset", "connection_reset", True, "reset", 2),
    ("/fault/truncated", "truncated", True, "expected 5000", 2),
    ("/fault/gzip-bomb", "too_large_decompressed", False, "compression bomb", 1),
    ("/fault/huge", "too_large", False, "max_bytes", 1),
    ("/fault/huge-declared", "too_large", False, "Content-Length 52428800", 1),
]


def get(server, path, **overrides):
    async def go():
        async with Fetcher(settings_for(server, **overrides)) as fetcher:
            return await fetcher.get(server.url(path))

    return run_async(go())


@pytest.mark.parametrize(
    ("path", "kind", "transient", "words", "requests"), FAULTS, ids=[f[0] for f in FAULTS]
)
def test_fault_is_typed_bounded_and_retried_only_if_transient(
    http_server, path, kind, transient, words, requests
):
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        get(http_server, path, retries=1, timeout=1.0, max_decompressed_bytes=5_000_000)
    elapsed = time.monotonic() - start
    err = info.value
    assert (err.kind, err.transient) == (kind, transient)
    assert words in err.message
    assert elapsed < 10  # sanity bound; timeout=1 s, one retry
    route = path.split("?")[0]
    assert http_server.count(route) == requests


def test_drip_is_cut_at_the_total_deadline(http_server):
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        get(http_server, "/fault/drip?seconds=10", retries=0, timeout=0.5)
    assert info.value.kind == "timeout"
    assert time.monotonic() - start < 2  # a byte every 0.1 s never trips a per-read timeout


def test_connection_refused_is_transient(http_server):
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def go():
        async with Fetcher(
            settings_for(http_server, allow_hosts=[f"127.0.0.1:{port}"], retries=0)
        ) as f:
            return await f.get(f"http://127.0.0.1:{port}/")

    with pytest.raises(FetchError) as info:
        run_async(go())
    assert info.value.kind == "connect_error" and info.value.transient


def test_gzip_bomb_is_stopped_early_and_memory_stays_bounded(http_server):
    cap = 2_000_000
    tracemalloc.start()
    try:
        start = time.monotonic()
        with pytest.raises(FetchError) as info:
            get(http_server, "/fault/gzip-bomb", retries=0, max_decompressed_bytes=cap)
        elapsed = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == "too_large_decompressed"
    assert peak < 6 * cap  # nowhere near the 200 MB the bomb inflates to
    assert elapsed < 5


def test_huge_page_memory_stays_bounded(http_server):
    cap = 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as info:
            get(http_server, "/fault/huge", retries=0, max_bytes=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == "too_large"
    assert peak < 6 * cap


def test_429_retry_after_then_success(http_server):
    calls = []

    def limited(h, s):
        calls.append(time.monotonic())
        if len(calls) == 1:
            h.send(429, b"", {"Retry-After": "1"})
        else:
            h.send(200, GOOD_PAGE, {"Content-Type": "text/html"})

    http_server.handler("/limited", limited)
    response = get(http_server, "/limited", retries=2, backoff=0.01)
    assert response.status == 200
    assert calls[1] - calls[0] >= 0.9  # waited as asked, not the 0.01 s backoff


@pytest.mark.parametrize("path", ["/fault/wrong-content-type", "/fault/no-content-type"])
def test_html_with_wrong_or_missing_content_type_is_still_extracted(http_server, path):
    batch = fetch_articles(
        [FeedEntry("f", http_server.url(path), title="t")], settings_for(http_server)
    )
    assert batch.articles[0].extraction == "page"
    assert "magnet alloys" in batch.articles[0].text


def test_article_batch_with_every_fault_keeps_good_items(http_server):
    faulty = [
        "/fault/drip?seconds=4",
        "/fault/500",
        "/fault/503",
        "/fault/429?after=0",
        "/fault/404",
        "/fault/410",
        "/fault/redirect-loop",
        "/fault/reset",
        "/fault/truncated",
        "/fault/gzip-bomb",
        "/fault/huge",
        "/fault/pdf",
        "/fault/png",
        "/fault/pdf-as-html",
        "/page/js-only",
    ]
    entries = [FeedEntry("f", http_server.url(p), title=p, summary="s") for p in faulty]
    entries.insert(0, FeedEntry("f", http_server.url("/page/good"), title="good"))
    entries.append(FeedEntry("f", http_server.url("/page/good2"), title="good2"))
    start = time.monotonic()
    batch = fetch_articles(entries, settings_for(http_server, retries=1, timeout=1.0, extract_all=True))
    assert time.monotonic() - start < 15
    pages = [a for a in batch.articles if a.extraction == "page"]
    assert sorted(a.url for a in pages) == sorted(
        [http_server.url("/page/good"), http_server.url("/page/good2")]
    )
    assert all(len(a.text) > 200 for a in pages)
    fallback = {a.title: a.fallback_reason for a in batch.articles if a.extraction == "feed"}
    assert fallback == {
        "/fault/404": "http_404",
        "/fault/410": "http_410",
        "/fault/redirect-loop": "too_many_redirects",
        "/fault/gzip-bomb": "too_large_decompressed",
        "/fault/huge": "too_large",
        "/fault/pdf": "not_html: application/pdf",
        "/fault/png": "not_html: image/png",
        "/fault/pdf-as-html": "not_html: application/pdf",
        "/page/js-only": "empty_extraction",
    }
    retry = sorted(e.title for e in batch.retry)
    assert retry == sorted(
        [
            "/fault/drip?seconds=4",
            "/fault/500",
            "/fault/503",
            "/fault/429?after=0",
            "/fault/reset",
            "/fault/truncated",
        ]
    )
    assert {e.url for e in batch.errors if e.transient} == {e.url for e in batch.retry}
    assert all(e.message for e in batch.errors)


def test_feed_batch_with_faults_keeps_good_feeds(http_server):
    paths = [
        "/feed/good",
        "/fault/503",
        "/fault/404",
        "/feed/bomb",
        "/feed/not-xml",
        "/fault/gzip-bomb",
        "/fault/drip?seconds=4",
        "/feed/malformed",
        "/fault/redirect-loop",
    ]
    feeds = [FeedSpec(http_server.url(p), p) for p in paths]
    start = time.monotonic()
    polls = poll_feeds(feeds, {}, settings_for(http_server, retries=1))
    assert time.monotonic() - start < 15
    outcome = {
        p.feed_url.split(str(http_server.port))[1]: (p.status, p.error.kind if p.error else None)
        for p in polls
    }
    assert outcome == {
        "/feed/good": ("ok", None),
        "/fault/503": ("failed", "http_503"),
        "/fault/404": ("failed", "http_404"),
        "/feed/bomb": ("failed", "unsafe_feed"),
        "/feed/not-xml": ("failed", "bad_feed"),
        "/fault/gzip-bomb": ("failed", "too_large_decompressed"),
        "/fault/drip?seconds=4": ("failed", "timeout"),
        "/feed/malformed": ("ok", None),
        "/fault/redirect-loop": ("failed", "too_many_redirects"),
    }
    assert http_server.count("/fault/503") == 2 and http_server.count("/fault/404") == 1
