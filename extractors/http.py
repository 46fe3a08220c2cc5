"""Every HTTP request reewatch makes goes through `Fetcher.get`.

Why not plain `httpx.get`: the web we read is hostile or merely broken. A page
may drip one byte a second (httpx's read timeout is per read), be a gzip bomb,
redirect forever, or point at our own network (SSRF). `Fetcher` enforces, per
response: a total deadline, byte caps on the wire and after decompression,
manually followed redirects with every hop checked, retries only where a retry
can help, polite per-host concurrency and delay, and robots.txt.

Failures are raised as `FetchError` subclasses. Each carries `kind` (a short
machine name), `transient` (would a later retry help?) and a human message, and
converts to an `ErrorRecord` with `to_record`.

DNS rebinding: the host is resolved once, every address is checked, and the
request is then sent to the checked IP address itself (the URL is rewritten to
the IP; the Host header and TLS SNI / certificate check keep the real name).
So a second, different DNS answer can never be used for the connection.
Connections are not kept alive, because httpx's pool is keyed by IP and a TLS
connection made for one name must not be reused for another name on that IP.
Proxy environment variables are ignored (`trust_env=False`) for the same reason.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import ssl
import threading
import time
import traceback
import zlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from extractors.types import ErrorRecord, FetchSettings

T = TypeVar("T")

MAX_REDIRECTS = 5
REDIRECT_CODES = {301, 302, 303, 307, 308}
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
FEED_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
)
CHUNK = 64 * 1024

# Cloud metadata endpoints, refused even though the generic checks below
# already catch the IPv4 one (link-local); the IPv6 one is a plain ULA.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


# --------------------------------------------------------------------------- errors


class FetchError(Exception):
    """A request that did not produce a usable response.

    `transient` says whether the same request may succeed later (5xx, 429,
    timeouts, resets) or never will as things stand (404, blocked address...).
    """

    kind = "fetch_error"
    transient = False

    def __init__(
        self,
        message: str,
        *,
        url: str,
        kind: str | None = None,
        transient: bool | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        if kind is not None:
            self.kind = kind
        if transient is not None:
            self.transient = transient
        self.http_status = http_status
        self.retry_after = retry_after  # seconds the server asked us to wait, if any

    def to_record(
        self, stage: str, feed_url: str | None = None, url: str | None = None
    ) -> ErrorRecord:
        """This error as data for the warehouse's errors table.

        `url` names the item that failed (the article or feed URL) when the
        error happened on a redirect hop; the hop is then kept in the message.
        """
        message = self.message
        if url is not None and url != self.url:
            message = f"{message} (at redirect target {self.url})"
        return ErrorRecord(
            stage=stage,
            url=url or self.url,
            kind=self.kind,
            message=message,
            transient=self.transient,
            feed_url=feed_url,
            http_status=self.http_status,
        )

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class NotAllowedScheme(FetchError):
    kind = "not_allowed_scheme"


class BlockedAddress(FetchError):
    kind = "blocked_address"


class DNSError(FetchError):
    kind = "dns_error"
    transient = True


class HTTPStatus(FetchError):
    """A status we cannot use; kind is "http_<code>", transient for 5xx and 429."""

    kind = "http_status"


class TooLarge(FetchError):
    kind = "too_large"


class Timeout(FetchError):
    kind = "timeout"
    transient = True


class ConnectionFailed(FetchError):
    """Refused, reset or cut short: the network or server may be fine tomorrow."""

    kind = "connection_error"
    transient = True


class TooManyRedirects(FetchError):
    kind = "too_many_redirects"


class RobotsDisallowed(FetchError):
    kind = "robots_disallowed"


class BadContent(FetchError):
    """The bytes arrived but are not what we can use (bad encoding, bad feed...)."""

    kind = "bad_content"


_OUR_PACKAGES = {"extractors", "flows", "warehouse"}


def unexpected_record(
    stage: str, url: str, feed_url: str | None, exc: BaseException
) -> ErrorRecord:
    """An error nobody anticipated, as data: its type as the kind, a short traceback.

    Recorded as transient, so the item is retried on later runs (with backoff) and
    given up after the configured attempts, like a flaky server.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).parent.name in _OUR_PACKAGES]
    shown = []  # the innermost frames, then ours
    for frame in [*frames[-2:], *ours[-2:]]:
        if all(frame is not seen for seen in shown):
            shown.append(frame)
    shown.sort(key=frames.index)
    where = " <- ".join(
        f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(shown)
    )
    detail = str(exc)[:300] or type(exc).__name__
    return ErrorRecord(
        stage=stage,
        url=url,
        kind=f"unexpected_{type(exc).__name__}",
        message=f"{type(exc).__name__}: {detail}" + (f" (at {where})" if where else ""),
        transient=True,
        feed_url=feed_url,
    )


# --------------------------------------------------------------------------- response


@dataclass
class Response:
    """A complete, size-checked response (body already decompressed)."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    content_type: str | None = None  # media type only, lower case, e.g. "text/html"
    charset: str | None = None  # from the Content-Type header, if any


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """("text/html", "utf-8") from 'text/html; charset="UTF-8"'."""
    if not value:
        return None, None
    parts = value.split(";")
    media = parts[0].strip().lower() or None
    charset = None
    for part in parts[1:]:
        name, _, val = part.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return media, charset


MAX_VALIDATOR = 512


def safe_validator(value: str | None) -> str | None:
    """An ETag / Last-Modified value we may store and send back, else None.

    Printable ASCII only: a non-ASCII or control character cannot be sent in a
    request header (httpx raises) and would poison the feed's stored state.
    """
    if not value or len(value) > MAX_VALIDATOR:
        return None
    if not all(" " <= ch <= "~" for ch in value):
        return None
    return value


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, even when an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target, name="reewatch-run-async")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


# --------------------------------------------------------------------------- SSRF guard


def _is_blocked_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address and reach it through a relay: judged by
        # that address (2002:7f00:1:: is 127.0.0.1 over 6to4 and counts as global).
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(v4 is not None and _is_blocked_ip(v4) for v4 in embedded):
            return True
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return (
        ip in METADATA_ADDRESSES
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


@dataclass(frozen=True)
class Target:
    """A URL split into what the guard checked: scheme, host, port and addresses."""

    url: str
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    addresses: tuple[str, ...]  # checked IPs to connect to, in resolver order

    @property
    def host_port(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url_for(self, address: str) -> str:
        """The URL with its host replaced by `address` (the pinned connection)."""
        parts = urlsplit(self.url)
        host = f"[{address}]" if ":" in address else address
        return urlunsplit((parts.scheme, f"{host}:{self.port}", parts.path or "/", parts.query, ""))

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or NotAllowedScheme / BadContent."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadContent(f"malformed URL {url!r}: {exc}", url=url, kind="bad_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise NotAllowedScheme(
            f"only http and https URLs are fetched, not {scheme or 'a scheme-less'} URL", url=url
        )
    if not parts.hostname:
        raise BadContent(f"URL {url!r} has no host", url=url, kind="bad_url")
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


async def resolve_target(url: str, allow_hosts: list[str], dns_timeout: float = 10.0) -> Target:
    """Resolve the URL's host and refuse non-public addresses unless allow-listed.

    Raised before any connection is made. allow_hosts entries are "host:port"
    exactly as the URL names them (default ports implied), e.g. "127.0.0.1:8080".
    """
    scheme, host, port = split_url(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: tuple[str, ...] = (str(literal),)
    else:
        try:
            async with asyncio.timeout(dns_timeout):
                infos = await asyncio.to_thread(
                    socket.getaddrinfo, host, port, type=socket.SOCK_STREAM
                )
        except TimeoutError as exc:
            raise DNSError(f"resolving {host!r} took over {dns_timeout:g} s", url=url) from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise DNSError(f"cannot resolve host {host!r}: {exc}", url=url) from exc
        addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        if not addresses:
            raise DNSError(f"host {host!r} resolved to no address", url=url)
    target = Target(url, scheme, host, port, addresses)
    allowed = {entry.strip().lower() for entry in allow_hosts}
    if target.host_port in allowed:
        return target
    for address in addresses:
        if _is_blocked_ip(ipaddress.ip_address(address)):
            raise BlockedAddress(
                f"{host} resolves to {address}, a loopback, private, link-local or otherwise "
                f'non-public address; add "{target.host_port}" to [fetch] allow_hosts if '
                "this is intended",
                url=url,
            )
    return target


# --------------------------------------------------------------------------- decompression


class _Inflater:
    """Incremental gzip/deflate inflation that never produces more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.encoding = encoding
        self.limit = limit
        self.url = url
        self.total = 0
        self._raw_deflate_tried = False
        self._obj = self._new()

    def _new(self) -> Any:
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS)  # deflate: zlib-wrapped per the RFC

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        while data:
            room = self.limit - self.total - len(out) + 1  # one byte more reveals overflow
            try:
                chunk = self._obj.decompress(data, min(room, CHUNK))
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._raw_deflate_tried and not out:
                    # Some servers send raw deflate without the zlib wrapper.
                    self._raw_deflate_tried = True
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise BadContent(
                    f"response body is not valid {self.encoding}: {exc}",
                    url=self.url,
                    kind="bad_encoding",
                ) from exc
            if not chunk and self._obj.unconsumed_tail == data and not self._obj.eof:
                # zlib made no progress on this input: stop instead of spinning forever
                raise BadContent(
                    f"response body is not valid {self.encoding}: inflater made no progress",
                    url=self.url,
                    kind="bad_encoding",
                )
            out += chunk
            if self.total + len(out) > self.limit:
                raise TooLarge(
                    f"response inflates to more than {self.limit} bytes "
                    "(max_decompressed_bytes); possibly a compression bomb",
                    url=self.url,
                    kind="too_large_decompressed",
                )
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
            elif self._obj.eof and self._obj.unused_data and self.encoding == "gzip":
                data = self._obj.unused_data  # concatenated gzip members
                self._obj = self._new()
            else:
                data = b""
        self.total += len(out)
        return bytes(out)


# --------------------------------------------------------------------------- fetcher


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def host_port_of(url: str) -> str:
    """"host:port" of an http(s) URL, the key of the per-host clocks."""
    _scheme, host, port = split_url(url)
    return f"{host}:{port}"


class Fetcher:
    """An async HTTP client with reewatch's limits and manners; use `async with`.

    One Fetcher per run (or per batch): it holds the concurrency limits, the
    per-host clocks and the robots.txt cache.
    """

    def __init__(
        self, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ):
        self.settings = settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                settings.timeout, connect=settings.connect_timeout, pool=settings.timeout
            ),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
        )
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._host_last: dict[str, float] = {}
        from extractors.robots import RobotsCache  # robots.py imports this module

        self.robots = RobotsCache(self)
        # per-host spacing wider than per_host_delay, asked for by a source (GDELT: 5 s)
        self.min_interval: dict[str, float] = {}
        self.attempts: int = 0  # HTTP requests actually sent (for tests and run stats)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = HTML_ACCEPT,
        check_robots: bool | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> Response:
        """GET `url`: 2xx or 304 comes back as a Response, anything else raises FetchError.

        The optional overrides (caps, timeout, retries) exist for small side
        requests such as robots.txt.
        """
        s = self.settings
        retries = s.retries if retries is None else retries
        etag, last_modified = safe_validator(etag), safe_validator(last_modified)
        attempt = 0
        while True:
            try:
                return await self._follow(
                    url,
                    etag=etag,
                    last_modified=last_modified,
                    accept=accept,
                    check_robots=s.respect_robots if check_robots is None else check_robots,
                    max_bytes=max_bytes,
                    timeout=timeout,
                )
            except FetchError as exc:
                if not exc.transient or attempt >= retries:
                    raise
                wait = s.backoff * (2**attempt)
                if exc.retry_after is not None:
                    if exc.retry_after > s.max_retry_after:
                        exc.message += (
                            f"; server asked to retry after {exc.retry_after:.0f} s, more than "
                            f"max_retry_after ({s.max_retry_after:.0f} s), so not retried in this run"
                        )
                        raise
                    wait = max(wait, exc.retry_after)
                attempt += 1
                await asyncio.sleep(wait)

    async def _follow(self, url: str, **kwargs: Any) -> Response:
        """Follow up to MAX_REDIRECTS redirects, checking every hop from scratch."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            status, headers, body = await self._one(current, **kwargs)
            if status in REDIRECT_CODES:
                location = headers.get("location")
                if not location:
                    raise HTTPStatus(
                        f"redirect {status} without a Location header",
                        url=current,
                        kind=f"http_{status}",
                        http_status=status,
                    )
                try:
                    current = urljoin(current, location.strip())
                except ValueError as exc:
                    raise BadContent(
                        f"redirect to a malformed URL {location[:200]!r}: {exc}",
                        url=current,
                        kind="bad_url",
                    ) from exc
                # a redirect target's cached validators belong to another URL
                kwargs = {**kwargs, "etag": None, "last_modified": None}
                continue
            media, charset = parse_content_type(headers.get("content-type"))
            return Response(url, current, status, headers, body, media, charset)
        raise TooManyRedirects(
            f"more than {MAX_REDIRECTS} redirects (last: {current}); possibly a redirect loop",
            url=url,
        )

    def _host_sem(self, host_port: str) -> asyncio.Semaphore:
        if host_port not in self._host_sems:
            self._host_sems[host_port] = asyncio.Semaphore(max(1, self.settings.per_host))
        return self._host_sems[host_port]

    async def _polite_wait(self, host_port: str) -> None:
        """Keep per_host_delay seconds between request starts to one host."""
        delay = max(self.settings.per_host_delay, self.min_interval.get(host_port, 0.0))
        now = time.monotonic()
        last = self._host_last.get(host_port)
        start = now if last is None else max(now, last + delay)
        self._host_last[host_port] = start  # reserve the slot before sleeping
        if start > now:
            await asyncio.sleep(start - now)

    async def _one(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        accept: str,
        check_robots: bool,
        max_bytes: int | None,
        timeout: float | None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request, no redirects: guard, robots, limits, then status checks."""
        target = await resolve_target(
            url, self.settings.allow_hosts, dns_timeout=self.settings.connect_timeout
        )
        if check_robots:
            await self.robots.check(target)
        headers = {
            "Host": target.host_header(),
            "User-Agent": self.settings.agent(),
            "Accept": accept,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._global, self._host_sem(target.host_port):
            await self._polite_wait(target.host_port)
            status, resp_headers, body = await self._send(
                target,
                headers,
                max_bytes=self.settings.max_bytes if max_bytes is None else max_bytes,
                timeout=self.settings.timeout if timeout is None else timeout,
            )
        if status == 304 or 200 <= status < 300 or status in REDIRECT_CODES:
            return status, resp_headers, (b"" if status == 304 else body)
        transient = status >= 500 or status in (408, 425, 429)
        raise HTTPStatus(
            f"server answered HTTP {status}"
            + (" (may succeed later)" if transient else " (will not be retried)"),
            url=url,
            kind=f"http_{status}",
            transient=transient,
            http_status=status,
            retry_after=_retry_after_seconds(resp_headers.get("retry-after"))
            if transient
            else None,
        )

    async def _send(
        self, target: Target, headers: dict[str, str], *, max_bytes: int, timeout: float
    ) -> tuple[int, dict[str, str], bytes]:
        """Send to the checked addresses in turn; the total deadline covers each attempt."""
        last_exc: FetchError | None = None
        for address in target.addresses:
            extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
            try:
                request = self._client.build_request(
                    "GET", target.url_for(address), headers=headers, extensions=extensions
                )
            except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
                raise BadContent(
                    f"cannot make a request for this URL: {exc}", url=target.url, kind="bad_url"
                ) from exc
            try:
                async with asyncio.timeout(timeout):
                    return await self._stream(request, target.url, max_bytes)
            except TimeoutError as exc:
                raise Timeout(
                    f"no complete response within {timeout:g} s (total deadline, not per read)",
                    url=target.url,
                ) from exc
            except httpx.ConnectError as exc:
                if isinstance(exc.__context__, ssl.SSLError) or "CERTIFICATE" in str(exc):
                    raise ConnectionFailed(
                        f"TLS handshake with {target.host_port} failed: {exc}",
                        url=target.url,
                        kind="tls_error",
                    ) from exc
                last_exc = ConnectionFailed(
                    f"cannot connect to {target.host_port} ({address}): {exc or type(exc).__name__}",
                    url=target.url,
                    kind="connect_error",
                )
                continue  # try the next checked address
            except httpx.TimeoutException as exc:
                raise Timeout(f"timed out: {type(exc).__name__}", url=target.url) from exc
            except (httpx.InvalidURL, httpx.RemoteProtocolError) as exc:
                # httpx reads a redirect's Location as it receives the response
                if isinstance(exc, httpx.RemoteProtocolError) and "location" not in str(exc).lower():
                    raise ConnectionFailed(
                        f"server broke the HTTP exchange (closed early or sent a short body): {exc}",
                        url=target.url,
                        kind="truncated",
                    ) from exc
                raise BadContent(
                    f"redirect to a malformed URL: {exc}", url=target.url, kind="bad_url"
                ) from exc
            except httpx.TransportError as exc:
                detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                raise ConnectionFailed(
                    f"connection was reset or failed during the response ({detail})",
                    url=target.url,
                    kind="connection_reset",
                ) from exc
        assert last_exc is not None
        raise last_exc

    async def _stream(
        self, request: httpx.Request, url: str, max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        """Read the body as raw bytes with both caps applied while it arrives."""
        self.attempts += 1
        response = await self._client.send(request, stream=True)
        try:
            headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status == 304 or status in REDIRECT_CODES or status >= 400:
                return status, headers, b""  # the body is never needed; don't read it
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(
                    f"Content-Length {declared} exceeds max_bytes ({max_bytes}); not downloaded",
                    url=url,
                )
            encoding = headers.get("content-encoding", "identity").strip().lower()
            if encoding in ("", "identity"):
                inflater = None
            elif encoding in ("gzip", "x-gzip", "deflate"):
                inflater = _Inflater(
                    "deflate" if encoding == "deflate" else "gzip",
                    self.settings.max_decompressed_bytes,
                    url,
                )
            else:
                raise BadContent(
                    f"unsupported Content-Encoding {encoding!r} (we asked for gzip or deflate)",
                    url=url,
                    kind="bad_encoding",
                )
            received = 0
            body = bytearray()
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received > max_bytes:
                    raise TooLarge(
                        f"body exceeds max_bytes ({max_bytes}) on the wire; download stopped",
                        url=url,
                    )
                body += inflater.feed(chunk) if inflater else chunk
            return status, headers, bytes(body)
        finally:
            await response.aclose()
