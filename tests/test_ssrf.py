"""The SSRF guard refuses non-public targets before connecting, on every redirect hop.

Only loopback servers are ever contacted. The private and metadata addresses
(10.0.0.1, 169.254.169.254) are refused by the guard, never attempted: the
transport below fails the test if any request reaches it for them.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.httpserver are shadowed by parameters)

from __future__ import annotations

import time

import httpx
import pytest

from extractors.articles import fetch_articles
from extractors.feeds import poll_feeds
from extractors.http import (
    BlockedAddress,
    Fetcher,
    FetchError,
    NotAllowedScheme,
    resolve_target,
    run_async,
)
from extractors.types import FeedEntry, FeedSpec
from tests.httpserver import (
    http_server,  # noqa: F401
    other_server,  # noqa: F401
    redirect_to,
    settings_for,
)


class GuardedTransport(httpx.AsyncBaseTransport):
    """Records every request that reaches the network layer; only loopback goes through.

    A request for any other address fails the test: the guard must have refused
    it before the transport was ever asked.
    """

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(str(request.url))
        if request.url.host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"a request for {request.url} reached the transport")
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


def attempt(url: str, settings) -> FetchError:
    """GET `url` expecting a refusal; returns the error."""
    transport = GuardedTransport()

    async def go() -> FetchError:
        async with Fetcher(settings, transport=transport) as fetcher:
            with pytest.raises(FetchError) as info:
                await fetcher.get(url)
            return info.value

    err = run_async(go())
    err.sent = transport.sent  # what reached the network layer, for assertions
    return err


@pytest.mark.parametrize(
    "make_url",
    [
        lambda other: f"http://127.0.0.1:{other.port}/page/good",
        lambda other: f"http://localhost:{other.port}/page/good",
        lambda other: f"http://[::1]:{other.port}/page/good",
        lambda other: f"http://127.1.2.3:{other.port}/page/good",
        lambda other: f"http://[::ffff:127.0.0.1]:{other.port}/page/good",
        lambda other: f"http://0.0.0.0:{other.port}/page/good",
        lambda other: "http://10.0.0.1/",
        lambda other: "http://192.168.1.1:8080/admin",
        lambda other: "http://169.254.169.254/latest/meta-data",
        lambda other: "http://[fd00:ec2::254]/latest/meta-data",
        lambda other: "http://100.64.0.1/",
    ],
    ids=[
        "loopback-other-port",
        "localhost",
        "ipv6-loopback",
        "loopback-127/8",
        "ipv4-mapped-ipv6",
        "unspecified",
        "private-10",
        "private-192.168",
        "metadata-v4",
        "metadata-v6",
        "cgnat",
    ],
)
def test_non_public_targets_are_refused_before_connecting(http_server, other_server, make_url):
    # Only http_server is allowed; other_server must never see a request.
    url = make_url(other_server)
    start = time.monotonic()
    err = attempt(url, settings_for(http_server, respect_robots=True))
    assert time.monotonic() - start < 5
    assert isinstance(err, BlockedAddress)
    assert err.kind == "blocked_address" and err.transient is False
    assert "allow_hosts" in err.message  # says how to fix it
    assert other_server.requests == []
    assert http_server.requests == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"]
)
def test_other_schemes_are_refused(http_server, url):
    err = attempt(url, settings_for(http_server))
    assert isinstance(err, NotAllowedScheme) and err.kind == "not_allowed_scheme"
    assert http_server.requests == [] and err.sent == []


def test_redirect_to_non_allowed_loopback_port_is_refused(http_server, other_server):
    url = redirect_to(http_server, other_server.url("/page/good"))
    err = attempt(url, settings_for(http_server))
    assert err.kind == "blocked_address"
    assert err.url == other_server.url("/page/good")  # the hop that was refused
    assert http_server.count("/fault/redirect-to") == 1
    assert other_server.requests == []


@pytest.mark.parametrize(
    "target", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"]
)
def test_redirect_to_private_or_other_scheme_is_refused(http_server, target):
    err = attempt(redirect_to(http_server, target), settings_for(http_server))
    assert err.kind in ("blocked_address", "not_allowed_scheme")
    assert not err.transient
    assert len(err.sent) == 1 and err.sent[0].startswith(http_server.url("/fault/redirect-to"))


def test_allow_hosts_is_exact_host_and_port(http_server, other_server):
    # Allowing 127.0.0.1:<port> does not allow localhost:<port> (the URL's spelling counts).
    err = attempt(f"http://localhost:{http_server.port}/page/good", settings_for(http_server))
    assert err.kind == "blocked_address"
    assert http_server.requests == []


def test_allow_hosts_allows_named_host(http_server):
    settings = settings_for(http_server, allow_hosts=[f"localhost:{http_server.port}"])

    async def go():
        async with Fetcher(settings) as fetcher:
            return await fetcher.get(f"http://localhost:{http_server.port}/page/good")

    response = run_async(go())
    assert response.status == 200
    # pinned to the checked address, but the Host header keeps the name
    assert http_server.requests[0].headers["host"] == f"localhost:{http_server.port}"


def test_default_port_is_implied_in_allow_hosts():
    target = run_async(resolve_target("http://127.0.0.1/x", ["127.0.0.1:80"]))
    assert target.port == 80 and target.addresses == ("127.0.0.1",)
    with pytest.raises(BlockedAddress):
        run_async(resolve_target("https://127.0.0.1/x", ["127.0.0.1:80"]))


def test_guard_refuses_in_feed_and_article_batches(http_server, other_server):
    """Through the public batch entry points: recorded as data, good items unaffected."""
    settings = settings_for(http_server)
    polls = poll_feeds(
        [
            FeedSpec(other_server.url("/feed/good"), "x"),
            FeedSpec(http_server.url("/feed/good"), "ok"),
        ],
        {},
        settings,
    )
    assert polls[0].status == "failed" and polls[0].error.kind == "blocked_address"
    assert polls[1].status == "ok" and len(polls[1].entries) == 2

    entries = [
        FeedEntry("f", "http://169.254.169.254/latest/meta-data", title="Meta", summary="s"),
        FeedEntry("f", other_server.url("/page/good"), title="Other", summary="s"),
        FeedEntry("f", http_server.url("/page/good"), title="Good", summary="s"),
    ]
    batch = fetch_articles(entries, settings)
    by_url = {a.url: a for a in batch.articles}
    assert by_url[entries[0].url].fallback_reason == "blocked_address"
    assert by_url[entries[1].url].extraction == "feed"
    assert by_url[entries[2].url].extraction == "page"
    assert sorted(e.kind for e in batch.errors) == ["blocked_address", "blocked_address"]
    assert batch.retry == []
    assert other_server.requests == []


def _fake_dns(monkeypatch, answers: dict[str, str]) -> list[str]:
    """Answer getaddrinfo for invented names; no real DNS query leaves the machine."""
    import socket

    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        if host in ("localhost", "127.0.0.1", "::1"):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def test_name_resolving_to_private_address_is_refused(monkeypatch, http_server):
    _fake_dns(monkeypatch, {"intranet.test": "10.1.2.3"})
    err = attempt("http://intranet.test/wiki", settings_for(http_server))
    assert err.kind == "blocked_address" and "10.1.2.3" in err.message


def test_unresolvable_host_is_a_transient_dns_error(monkeypatch):
    _fake_dns(monkeypatch, {})
    with pytest.raises(FetchError) as info:
        run_async(resolve_target("http://no-such-host.test/", []))
    assert info.value.kind == "dns_error" and info.value.transient


def test_connection_goes_to_the_checked_address(monkeypatch, http_server):
    """DNS rebinding: the name is resolved once, by us, and the request is sent to that IP.

    httpx never resolves "pinned.test" itself (real DNS would fail), so a
    successful fetch proves the pinned address was used.
    """
    asked = _fake_dns(monkeypatch, {"pinned.test": "127.0.0.1"})
    settings = settings_for(http_server, allow_hosts=[f"pinned.test:{http_server.port}"])

    async def go():
        async with Fetcher(settings) as fetcher:
            return await fetcher.get(f"http://pinned.test:{http_server.port}/page/good")

    response = run_async(go())
    assert response.status == 200
    assert response.final_url == f"http://pinned.test:{http_server.port}/page/good"
    assert asked == ["pinned.test"]
    assert http_server.requests[0].headers["host"] == f"pinned.test:{http_server.port}"


def test_https_is_pinned_with_sni_and_certificate_checked(monkeypatch):
    """Over TLS the request goes to the checked IP, yet SNI and the certificate use the name."""
    import httpx

    from tests.httpserver import TestServer, make_tls

    server_ctx, client_ctx = make_tls("pinned.test")
    server = TestServer(tls=server_ctx)
    try:
        _fake_dns(monkeypatch, {"pinned.test": "127.0.0.1", "other-name.test": "127.0.0.1"})
        allow = [f"pinned.test:{server.port}", f"other-name.test:{server.port}"]

        async def go(host: str):
            transport = httpx.AsyncHTTPTransport(verify=client_ctx)
            async with Fetcher(settings_for(allow_hosts=allow), transport=transport) as fetcher:
                return await fetcher.get(f"https://{host}:{server.port}/page/good")

        response = run_async(go("pinned.test"))
        assert response.status == 200
        assert server.requests[0].headers["host"] == f"pinned.test:{server.port}"

        # Same IP, a name the certificate does not cover: the TLS check must fail.
        with pytest.raises(FetchError) as info:
            run_async(go("other-name.test"))
        assert info.value.kind == "tls_error"
        assert "certificate" in info.value.message.lower()
        assert len(server.requests) == 1
    finally:
        server.close()
