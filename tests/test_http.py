"""Fetcher basics on loopback: headers, decompression, redirects, retries, politeness, robots."""

# ruff: noqa: F811  (pytest fixtures imported from tests.httpserver are shadowed by parameters)

from __future__ import annotations

import asyncio
import time

import pytest

from extractors.http import (
    Fetcher,
    FetchError,
    HTTPStatus,
    RobotsDisallowed,
    parse_content_type,
    run_async,
)
from tests.httpserver import (
    CONDITIONAL_ETAG,
    CONDITIONAL_LAST_MODIFIED,
    GOOD_PAGE,
    TestServer,
    http_server,  # noqa: F401
    settings_for,
)


def fetch(server: TestServer, path: str, **overrides) -> object:
    """GET one path with test settings; returns the Response or the FetchError."""

    async def go():
        async with Fetcher(settings_for(server, **overrides)) as fetcher:
            try:
                return await fetcher.get(server.url(path))
            except FetchError as exc:
                return exc

    return run_async(go())


def test_plain_get_returns_body_and_type(http_server):
    response = fetch(http_server, "/page/good")
    assert response.status == 200
    assert response.body == GOOD_PAGE
    assert (response.content_type, response.charset) == ("text/html", "utf-8")
    assert response.final_url == response.url == http_server.url("/page/good")


def test_sends_user_agent_accept_encoding_and_host(http_server):
    fetch(http_server, "/page/good", user_agent="reewatch-test/1 (+mailto:x@example.invalid)")
    headers = http_server.requests[0].headers
    assert headers["user-agent"] == "reewatch-test/1 (+mailto:x@example.invalid)"
    assert headers["accept-encoding"] == "gzip, deflate"
    assert headers["host"] == http_server.host_port


def test_default_user_agent_is_truthful(http_server):
    fetch(http_server, "/page/good")
    assert http_server.requests[0].headers["user-agent"].startswith("reewatch/")


@pytest.mark.parametrize("path", ["/page/gzip", "/fault/deflate"])
def test_gzip_and_deflate_are_inflated(http_server, path):
    assert fetch(http_server, path).body == GOOD_PAGE


def test_conditional_get_sends_validators_and_returns_304(http_server):
    async def go():
        async with Fetcher(settings_for(http_server)) as fetcher:
            return await fetcher.get(
                http_server.url("/feed/conditional"),
                etag=CONDITIONAL_ETAG,
                last_modified=CONDITIONAL_LAST_MODIFIED,
            )

    response = run_async(go())
    assert response.status == 304 and response.body == b""
    headers = http_server.requests[0].headers
    assert headers["if-none-match"] == CONDITIONAL_ETAG
    assert headers["if-modified-since"] == CONDITIONAL_LAST_MODIFIED


def test_redirect_chain_is_followed_and_final_url_reported(http_server):
    response = fetch(http_server, "/fault/redirect-chain?n=3")
    assert response.status == 200
    assert response.final_url == http_server.url("/page/good")
    assert http_server.count("/fault/redirect-chain") == 4


def test_503_is_retried_then_reported_transient(http_server):
    err = fetch(http_server, "/fault/503", retries=2)
    assert isinstance(err, HTTPStatus)
    assert (err.kind, err.transient, err.http_status) == ("http_503", True, 503)
    assert http_server.count("/fault/503") == 3  # first try + 2 retries


@pytest.mark.parametrize("code", [403, 404, 410])
def test_4xx_is_not_retried(http_server, code):
    err = fetch(http_server, f"/fault/{code}", retries=3)
    assert (err.kind, err.transient) == (f"http_{code}", False)
    assert http_server.count(f"/fault/{code}") == 1


def test_flaky_server_succeeds_on_retry(http_server):
    response = fetch(http_server, "/fault/flaky?fail=2", retries=2)
    assert response.status == 200 and response.body == GOOD_PAGE
    assert http_server.count("/fault/flaky") == 3


def test_backoff_doubles(http_server):
    start = time.monotonic()
    fetch(http_server, "/fault/503", retries=2, backoff=0.2)
    assert time.monotonic() - start >= 0.2 + 0.4 - 0.05


def test_429_honours_retry_after(http_server):
    start = time.monotonic()
    err = fetch(http_server, "/fault/429?after=1", retries=1, backoff=0.01)
    elapsed = time.monotonic() - start
    assert err.kind == "http_429" and err.transient
    assert http_server.count("/fault/429") == 2
    assert 0.9 <= elapsed < 10


def test_429_with_retry_after_beyond_limit_is_not_waited_for(http_server):
    start = time.monotonic()
    err = fetch(http_server, "/fault/429?after=3600", retries=3, max_retry_after=2.0)
    assert time.monotonic() - start < 2
    assert http_server.count("/fault/429") == 1
    assert err.transient and "max_retry_after" in err.message


def test_to_record_carries_kind_status_and_feed(http_server):
    err = fetch(http_server, "/fault/404")
    record = err.to_record("article", feed_url="http://feed.invalid/rss")
    assert record.stage == "article" and record.kind == "http_404"
    assert record.http_status == 404 and record.transient is False
    assert record.url == http_server.url("/fault/404")
    assert record.feed_url == "http://feed.invalid/rss"
    assert "404" in record.message


def test_per_host_delay_spaces_requests(http_server):
    async def go():
        async with Fetcher(settings_for(http_server, per_host_delay=0.3, per_host=2)) as fetcher:
            await asyncio.gather(*(fetcher.get(http_server.url("/page/good")) for _ in range(3)))

    start = time.monotonic()
    run_async(go())
    assert time.monotonic() - start >= 0.6 - 0.05  # three starts, 0.3 s apart


def test_per_host_concurrency_is_capped(http_server):
    active = 0
    peak = 0
    import threading

    lock = threading.Lock()

    def slow(h, s):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.15)
        with lock:
            active -= 1
        h.send(200, b"<html>ok</html>", {"Content-Type": "text/html"})

    http_server.handler("/slow", slow)

    async def go():
        async with Fetcher(settings_for(http_server, per_host=2, concurrency=8)) as fetcher:
            await asyncio.gather(*(fetcher.get(http_server.url("/slow")) for _ in range(6)))

    run_async(go())
    assert peak <= 2


def test_run_async_works_inside_a_running_loop(http_server):
    async def outer():
        return fetch(http_server, "/page/good")  # fetch() calls run_async itself

    assert asyncio.run(outer()).status == 200


def test_parse_content_type():
    assert parse_content_type('Text/HTML; Charset="Shift_JIS"') == ("text/html", "shift_jis")
    assert parse_content_type(None) == (None, None)


# ------------------------------------------------------------------ robots.txt


def test_robots_disallow_is_respected_and_fetched_once(http_server):
    http_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    http_server.route("/private/page", "<html>secret</html>")

    async def go():
        async with Fetcher(settings_for(http_server, respect_robots=True)) as fetcher:
            ok = await fetcher.get(http_server.url("/page/good"))
            with pytest.raises(RobotsDisallowed) as info:
                await fetcher.get(http_server.url("/private/page"))
            return ok, info.value

    ok, err = run_async(go())
    assert ok.status == 200
    assert err.kind == "robots_disallowed" and not err.transient
    assert http_server.count("/robots.txt") == 1
    assert http_server.count("/private/page") == 0


def test_robots_for_our_agent_only(http_server):
    http_server.route(
        "/robots.txt",
        "User-agent: reewatch\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        content_type="text/plain",
    )
    err = fetch(http_server, "/page/good", respect_robots=True)
    assert isinstance(err, RobotsDisallowed)


def test_missing_robots_allows(http_server):
    assert fetch(http_server, "/page/good", respect_robots=True).status == 200
    assert http_server.count("/robots.txt") == 1


def test_robots_5xx_allows_and_is_noted(http_server):
    http_server.route("/robots.txt", "down", status=503, content_type="text/plain")

    async def go():
        async with Fetcher(settings_for(http_server, respect_robots=True)) as fetcher:
            response = await fetcher.get(http_server.url("/page/good"))
            return response, dict(fetcher.robots.notes)

    response, notes = run_async(go())
    assert response.status == 200
    assert any("http_503" in note for note in notes.values())
    assert http_server.count("/robots.txt") == 1  # robots gets no retries


def test_robots_respected_is_off_means_no_robots_request(http_server):
    fetch(http_server, "/page/good", respect_robots=False)
    assert http_server.count("/robots.txt") == 0
