"""A loopback HTTP server for tests: per-test routes, a set of misbehaving routes, a request log.

Usage in a test module:

    from tests.httpserver import http_server, other_server, settings_for  # noqa: F401

    def test_x(http_server):
        http_server.route("/a", body=b"<html>...</html>")
        settings = settings_for(http_server)          # allow-lists the server
        ...
        assert http_server.count("/a") == 1

The server runs http.server.ThreadingHTTPServer on 127.0.0.1, port 0, in a
daemon thread, speaking HTTP/1.0 (one request per connection, so cutting a
connection short affects only that request). All texts below are invented for
these tests.

Built-in routes (see `BUILTIN` at the bottom for the full list):
  /fault/drip?seconds=N     headers at once, then one byte every 0.1 s
  /fault/500, /fault/503, /fault/404, /fault/410, /fault/403
  /fault/429?after=S        429 with Retry-After: S
  /fault/flaky?fail=N       503 for the first N requests (per full path), then a page
  /fault/redirect-loop      redirects to itself
  /fault/redirect-chain?n=K K redirects, then a page
  /fault/redirect-to?url=U  302 to U (another port, a private address...)
  /fault/reset              Content-Length 20000, 500 bytes, then a TCP reset
  /fault/truncated          Content-Length 5000, 1000 bytes, then a clean close
  /fault/no-content-type, /fault/wrong-content-type (HTML as text/plain)
  /fault/gzip-bomb          ~200 KB gzip on the wire, 200 MB inflated, made on the fly
  /fault/deflate            a page sent with Content-Encoding: deflate
  /fault/huge               a 50 MB page, streamed without Content-Length
  /fault/huge-declared      the same with Content-Length: 52428800
  /fault/pdf, /fault/png, /fault/pdf-as-html (PDF labelled text/html)
  /enc/{gb2312,shift_jis,cp1252}/{header,meta,none}
  /page/js-only, /page/good, /page/good2, /page/short
  /feed/good, /feed/conditional (ETag/Last-Modified, 304), /feed/malformed,
  /feed/not-xml, /feed/bomb, /feed/big (10,000 items), /feed/dupes,
  /feed/no-links-no-dates, /feed/future, /feed/relative

For HTTPS tests, `make_tls(hostname)` builds a throwaway CA and certificate and
`TestServer(tls=server_context)` serves TLS with it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from extractors.types import FetchSettings

Handler = Callable[["RequestHandler", "TestServer"], None]


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names

    @property
    def route(self) -> str:
        return urlsplit(self.path).path


@dataclass
class Static:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.record(self)
        try:
            owner.dispatch(self)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the client hung up, as a client with limits should

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """A complete response; Content-Length added unless given."""
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def reset(self) -> None:
        """Abort the connection with a TCP RST instead of a clean close."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: TestServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-response are the point of several routes


class TestServer:
    """A running loopback server; register routes, read `requests` afterwards."""

    __test__ = False  # not a pytest test class

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Static | Handler] = {}
        self.requests: list[Request] = []
        self.counters: dict[str, int] = {}
        self._lock = threading.Lock()
        self.scheme = "https" if tls else "http"
        self._httpd = _Server(("127.0.0.1", 0), RequestHandler)
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    # -- setup -----------------------------------------------------------------

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve a static response at `path`; returns its URL."""
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Static(status, data, all_headers)
        return self.url(path)

    def handler(self, path: str, fn: Handler) -> str:
        """Serve `path` with fn(request_handler, server); returns its URL."""
        self.routes[path] = fn
        return self.url(path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- inspection ------------------------------------------------------------

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def count(self, route: str) -> int:
        """Requests whose path (without query) is `route`."""
        return sum(1 for r in self.requests if r.route == route)

    def next_count(self, key: str) -> int:
        """How many times `key` was hit before this call (thread-safe)."""
        with self._lock:
            n = self.counters.get(key, 0)
            self.counters[key] = n + 1
            return n

    # -- serving ---------------------------------------------------------------

    def record(self, h: RequestHandler) -> None:
        with self._lock:
            self.requests.append(
                Request(h.command, h.path, {k.lower(): v for k, v in h.headers.items()})
            )

    def dispatch(self, h: RequestHandler) -> None:
        path = urlsplit(h.path).path
        route = self.routes.get(path) or BUILTIN.get(path)
        if route is None:
            h.send(404, b"not here", {"Content-Type": "text/plain"})
        elif isinstance(route, Static):
            h.send(route.status, route.body, route.headers)
        else:
            route(h, self)


# =============================================================================== content
# Invented texts only.

GOOD_PARAGRAPHS = [
    "The ministry of industry in the fictional republic of Norvania said on Tuesday that "
    "it will require export licences for three rare earth magnet alloys from next month.",
    "Officials described the measure as a review of supply security rather than a ban, and "
    "said licence decisions would take about forty-five working days.",
    "Magnet makers in neighbouring countries warned that the rule could delay deliveries "
    "of motors for wind turbines and electric buses during the second half of the year.",
    "An industry group in the capital said members held stocks for roughly two months and "
    "asked the government to publish a list of approved buyers as soon as possible.",
]


def article_html(
    title: str, paragraphs: list[str], *, date: str = "2026-03-02", lang: str = "en"
) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:site_name" content="Test Wire">'
        f'<meta name="author" content="Dana Example">'
        f'<meta property="article:published_time" content="{date}T08:00:00Z"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright Test Wire</footer></body></html>"
    )


GOOD_PAGE = article_html("Norvania adds licences for magnet alloys", GOOD_PARAGRAPHS).encode()
GOOD_PAGE_2 = article_html(
    "Port of Elmsby opens a separation plant",
    [
        "A separation plant for light rare earth oxides opened at the port of Elmsby on Monday, "
        "its operator said, after two years of construction and testing.",
        "The operator expects to process twelve thousand tonnes of concentrate a year once the "
        "second line starts, and has signed offtake terms with two magnet producers.",
        "Local officials said the project created about three hundred jobs and that a training "
        "centre for process engineers would open next to the site in the autumn.",
    ],
    date="2026-03-05",
).encode()
SHORT_PAGE = article_html("Teaser", ["Read the full story in our app."]).encode()
JS_ONLY_PAGE = (
    b"<!DOCTYPE html><html><head><title>Loading</title></head><body>"
    b'<div id="root"></div><script src="/bundle.js"></script>'
    b"<script>window.__STATE__={};document.getElementById('root').textContent='...';</script>"
    b"</body></html>"
)

# Text in three legacy encodings (written for these tests).
ZH_TEXT = (
    "稀土出口管理新规定今天公布。商务部表示，将对部分稀土永磁材料实行出口许可管理。"
    "有关企业需要提前申请许可证，审批时间大约为四十五个工作日。"
    "业内人士认为，新规定将影响海外电机厂商的采购计划，但国内供应保持稳定。"
    "分析人士指出，今年下半年的市场价格可能出现波动，企业应当加强库存管理。"
    "一家磁材企业的负责人说，公司已经组织专门团队研究新规定的具体要求。"
    "他表示，如果审批顺利，明年的出口订单不会受到太大影响。"
    "另一位贸易顾问建议企业保留完整的合同和物流记录，以便在审查时提供材料。"
    "部分外国买家已经开始寻找其他供应来源，包括东南亚和非洲的新项目。"
)
JA_TEXT = (
    "レアアースの輸出管理に関する新しい規則が本日発表されました。"
    "経済産業省によると、一部の磁石材料について輸出許可が必要になります。"
    "企業は事前に申請を行う必要があり、審査には約四十五営業日かかる見込みです。"
    "専門家は、海外のモーター製造業者の調達計画に影響が出る可能性があると指摘しています。"
    "ある磁石メーカーの担当者は、新しい規則の詳しい内容を確認するための専任チームを作ったと話しました。"
    "審査が順調に進めば、来年の輸出契約には大きな影響はないと見ています。"
    "貿易の専門家は、審査に備えて契約書や物流の記録をきちんと保管するよう勧めています。"
    "一部の海外の買い手は、東南アジアやアフリカの新しい事業など、別の調達先を探し始めています。"
)
FR_TEXT = (
    "Le ministère a annoncé mercredi une révision des règles d'exportation des terres rares. "
    "Selon le communiqué, les licences seront délivrées « au cas par cas » et l'examen durera "
    "environ quarante-cinq jours ouvrés. Les fabricants d'aimants — déjà inquiets — craignent "
    "des retards de livraison; un représentant a évoqué un coût de 3 € par kilogramme. "
    "Les entreprises concernées préparent déjà leurs dossiers et réclament davantage de clarté."
)
ENCODED_TEXTS = {"gb2312": ("zh", ZH_TEXT), "shift_jis": ("ja", JA_TEXT), "cp1252": ("fr", FR_TEXT)}


def encoded_page(codec: str, with_meta: bool) -> bytes:
    lang, text = ENCODED_TEXTS[codec]
    sentences = [s for s in text.replace("。", "。\n").split("\n") if s.strip()]
    meta = f'<meta charset="{codec.replace("cp1252", "windows-1252")}">' if with_meta else ""
    paragraphs = "".join(f"<p>{s}</p>" for s in sentences)
    page = (
        f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{sentences[0][:20]}</title></head>'
        f"<body><article>{paragraphs}</article></body></html>"
    )
    return page.encode(codec)


def rss(items: list[str], *, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>Test feed</title><link>http://example.invalid/</link><description>t</description>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def item(
    title: str,
    link: str | None,
    *,
    guid: str | None = None,
    date: str | None = "Mon, 02 Mar 2026 08:00:00 GMT",
    summary: str = "",
) -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if summary:
        parts.append(f"<description>{summary}</description>")
    return "<item>" + "".join(parts) + "</item>"


def good_feed(server: TestServer) -> bytes:
    return rss(
        [
            item(
                "Norvania adds licences",
                server.url("/page/good"),
                guid="g-1",
                summary="Licences for alloys.",
            ),
            item(
                "Elmsby plant opens", server.url("/page/good2"), guid="g-2", summary="A new plant."
            ),
        ]
    )


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)

CONDITIONAL_ETAG = '"feed-v1"'
CONDITIONAL_LAST_MODIFIED = "Mon, 02 Mar 2026 08:00:00 GMT"
HUGE_BYTES = 50 * 1024 * 1024
BOMB_INFLATED = 200 * 1024 * 1024
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MINIMAL_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


# =============================================================================== routes


def _static(
    status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **extra: str
) -> Handler:
    def fn(h: RequestHandler, s: TestServer) -> None:
        h.send(status, body, {"Content-Type": ctype, **extra})

    return fn


def _drip(h: RequestHandler, s: TestServer) -> None:
    seconds = float(h.query.get("seconds", "30"))
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        h.wfile.write(b"<")
        h.wfile.flush()
        time.sleep(0.1)


def _retry_after(h: RequestHandler, s: TestServer) -> None:
    h.send(
        429, b"slow down", {"Content-Type": "text/plain", "Retry-After": h.query.get("after", "1")}
    )


def _flaky(h: RequestHandler, s: TestServer) -> None:
    if s.next_count(h.path) < int(h.query.get("fail", "1")):
        h.send(503, b"busy", {"Content-Type": "text/plain"})
    else:
        h.send(200, GOOD_PAGE, {"Content-Type": "text/html; charset=utf-8"})


def _redirect_loop(h: RequestHandler, s: TestServer) -> None:
    h.send(302, b"", {"Location": "/fault/redirect-loop"})


def _redirect_chain(h: RequestHandler, s: TestServer) -> None:
    n = int(h.query.get("n", "1"))
    target = "/page/good" if n <= 0 else f"/fault/redirect-chain?n={n - 1}"
    h.send(301, b"", {"Location": target})


def _redirect_to(h: RequestHandler, s: TestServer) -> None:
    h.send(302, b"", {"Location": h.query["url"]})


def redirect_to(server: TestServer, target: str) -> str:
    """URL on `server` that redirects to `target`."""
    return server.url("/fault/redirect-to?url=" + quote(target, safe=""))


def _reset(h: RequestHandler, s: TestServer) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "20000")
    h.end_headers()
    h.wfile.write(b"<html><body>" + b"x" * 488)
    time.sleep(0.05)
    h.reset()


def _truncated(h: RequestHandler, s: TestServer) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"<html><body>" + b"y" * 988)


def _gzip_bomb(h: RequestHandler, s: TestServer) -> None:
    """Compressed while sent, so the server never holds the inflated size either."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Encoding", "gzip")
    h.end_headers()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    for _ in range(BOMB_INFLATED // len(block)):
        out = compressor.compress(block)
        if out:
            h.wfile.write(out)
    h.wfile.write(compressor.flush())


def _deflate(h: RequestHandler, s: TestServer) -> None:
    h.send(
        200,
        zlib.compress(GOOD_PAGE),
        {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "deflate"},
    )


def _gzip_page(h: RequestHandler, s: TestServer) -> None:
    h.send(
        200,
        gzip.compress(GOOD_PAGE),
        {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
    )


def _huge(declared: bool) -> Handler:
    def fn(h: RequestHandler, s: TestServer) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if declared:
            h.send_header("Content-Length", str(HUGE_BYTES))
        h.end_headers()
        chunk = (b"<p>filler paragraph about nothing in particular.</p>\n" * 1200)[:65536]
        for _ in range(HUGE_BYTES // len(chunk)):
            h.wfile.write(chunk)

    return fn


def _encoded(codec: str, mode: str) -> Handler:
    body = encoded_page(codec, with_meta=(mode == "meta"))
    label = {"gb2312": "GB2312", "shift_jis": "Shift_JIS", "cp1252": "windows-1252"}[codec]
    ctype = f"text/html; charset={label}" if mode == "header" else "text/html"
    return _static(200, body, ctype)


def _conditional_feed(h: RequestHandler, s: TestServer) -> None:
    if (
        h.headers.get("If-None-Match") == CONDITIONAL_ETAG
        or h.headers.get("If-Modified-Since") == CONDITIONAL_LAST_MODIFIED
    ):
        h.send(304, b"", {"ETag": CONDITIONAL_ETAG, "Content-Length": "0"})
        return
    h.send(
        200,
        good_feed(s),
        {
            "Content-Type": "application/rss+xml",
            "ETag": CONDITIONAL_ETAG,
            "Last-Modified": CONDITIONAL_LAST_MODIFIED,
        },
    )


def _feed(make: Callable[[TestServer], bytes], ctype: str = "application/rss+xml") -> Handler:
    def fn(h: RequestHandler, s: TestServer) -> None:
        h.send(200, make(s), {"Content-Type": ctype})

    return fn


def _malformed_feed(s: TestServer) -> bytes:
    # an unclosed tag and a stray ampersand after two good items: bozo, entries recovered
    return (
        rss(
            [
                item("First", s.url("/page/good"), guid="m-1"),
                item("Second", s.url("/page/good2"), guid="m-2"),
            ]
        )[: -len(b"</channel></rss>")]
        + b"<item><title>Broken & cut"
    )


def _big_feed(s: TestServer) -> bytes:
    return rss(
        [
            item(f"Item {i}", f"http://example.invalid/news/{i}", guid=f"big-{i}")
            for i in range(10_000)
        ]
    )


def _dupes_feed(s: TestServer) -> bytes:
    return rss(
        [
            item("One", "http://example.invalid/a?id=1&utm_source=rss", guid="d-1"),
            item(
                "One again, tracking param differs",
                "http://example.invalid/a?id=1&utm_medium=x#top",
                guid="d-9",
            ),
            item("Same guid, other link", "http://example.invalid/b", guid="d-1"),
            item("Two", "http://example.invalid/c", guid="d-2"),
        ]
    )


def _no_links_feed(s: TestServer) -> bytes:
    return rss(
        [
            item("No link at all", None, guid="n-1"),
            item("No date", "http://example.invalid/undated", guid="n-2", date=None),
            item("Dated", "http://example.invalid/dated", guid="n-3"),
        ]
    )


def _future_feed(s: TestServer) -> bytes:
    return rss(
        [
            item(
                "Far future",
                "http://example.invalid/f1",
                guid="f-1",
                date="Sat, 01 Jan 2039 00:00:00 GMT",
            ),
            item(
                "Past",
                "http://example.invalid/f2",
                guid="f-2",
                date="Mon, 02 Mar 2026 08:00:00 GMT",
            ),
        ]
    )


def _relative_feed(s: TestServer) -> bytes:
    return rss(
        [
            item("Rooted", "/news/rooted?utm_campaign=z", guid="r-1"),
            item("Sibling", "sibling.html", guid="r-2"),
        ]
    )


BUILTIN: dict[str, Handler] = {
    "/page/good": _static(200, GOOD_PAGE),
    "/page/good2": _static(200, GOOD_PAGE_2),
    "/page/short": _static(200, SHORT_PAGE),
    "/page/js-only": _static(200, JS_ONLY_PAGE),
    "/page/gzip": _gzip_page,
    "/fault/drip": _drip,
    "/fault/500": _static(500, b"oops", "text/plain"),
    "/fault/503": _static(503, b"busy", "text/plain"),
    "/fault/403": _static(403, b"no", "text/plain"),
    "/fault/404": _static(404, b"gone?", "text/plain"),
    "/fault/410": _static(410, b"gone", "text/plain"),
    "/fault/429": _retry_after,
    "/fault/flaky": _flaky,
    "/fault/redirect-loop": _redirect_loop,
    "/fault/redirect-chain": _redirect_chain,
    "/fault/redirect-to": _redirect_to,
    "/fault/reset": _reset,
    "/fault/truncated": _truncated,
    "/fault/no-content-type": lambda h, s: h.send(200, GOOD_PAGE, {}),
    "/fault/wrong-content-type": _static(200, GOOD_PAGE, "text/plain"),
    "/fault/gzip-bomb": _gzip_bomb,
    "/fault/deflate": _deflate,
    "/fault/huge": _huge(declared=False),
    "/fault/huge-declared": _huge(declared=True),
    "/fault/pdf": _static(200, MINIMAL_PDF, "application/pdf"),
    "/fault/png": _static(200, MINIMAL_PNG, "image/png"),
    "/fault/pdf-as-html": _static(200, MINIMAL_PDF, "text/html"),
    "/feed/good": _feed(good_feed),
    "/feed/conditional": _conditional_feed,
    "/feed/malformed": _feed(_malformed_feed),
    "/feed/not-xml": _feed(
        lambda s: b"<html><body><p>This is a web page, not a feed.</p></body></html>", "text/html"
    ),
    "/feed/bomb": _feed(
        lambda s: rss(
            ["<item><title>&lol9;</title><link>http://example.invalid/x</link></item>"],
            prolog=BILLION_LAUGHS,
        )
    ),
    "/feed/big": _feed(_big_feed),
    "/feed/dupes": _feed(_dupes_feed),
    "/feed/no-links-no-dates": _feed(_no_links_feed),
    "/feed/future": _feed(_future_feed),
    "/feed/relative": _feed(_relative_feed),
}
for _codec in ENCODED_TEXTS:
    for _mode in ("header", "meta", "none"):
        BUILTIN[f"/enc/{_codec}/{_mode}"] = _encoded(_codec, _mode)


# =============================================================================== fixtures


def settings_for(*servers: TestServer, **overrides: Any) -> FetchSettings:
    """Fast, test-sized FetchSettings that allow-list the given loopback servers."""
    values: dict[str, Any] = {
        "timeout": 1.0,
        "connect_timeout": 1.0,
        "retries": 2,
        "backoff": 0.05,
        "per_host_delay": 0.0,
        "max_retry_after": 2.0,
        "allow_hosts": [s.host_port for s in servers],
        "respect_robots": False,
    }
    values.update(overrides)
    return FetchSettings(**values)


def make_tls(hostname: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context) for a throwaway CA and a certificate for `hostname`."""
    import tempfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("reewatch test CA"))
        .issuer_name(name("reewatch test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(hostname))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = f"{tmp}/cert.pem", f"{tmp}/key.pem"
        with open(cert_file, "wb") as fh:
            fh.write(cert.public_bytes(pem))
        with open(key_file, "wb") as fh:
            fh.write(
                key.private_bytes(
                    pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ctx.load_cert_chain(cert_file, key_file)
    client_ctx = ssl.create_default_context(cadata=ca.public_bytes(pem).decode("ascii"))
    return server_ctx, client_ctx


def _serve() -> Iterator[TestServer]:
    server = TestServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def http_server() -> Iterator[TestServer]:
    """A fresh loopback server (empty request log) for one test."""
    yield from _serve()


@pytest.fixture
def other_server() -> Iterator[TestServer]:
    """A second loopback server on another port: the one tests must NOT reach."""
    yield from _serve()
