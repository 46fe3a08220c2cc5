"""The benchmark's loopback news site: N feeds and their article pages, in its own process.

Why a separate process: a server thread inside the measured process would take
the GIL from the pipeline and make it look slower than it is. The process
rebuilds the same seeded corpus (corpus.build_corpus) and renders pages on
request. Feeds carry an ETag and Last-Modified and answer conditional GETs with
304, as real feeds do, so the "nothing new" run can be measured.

`GET /__stats` returns request counts as JSON; `GET /__reset` zeroes them.
Run by hand: `uv run python -m benchmarks.server --articles 1000`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from benchmarks.corpus import DEFAULT_FEEDS, DEFAULT_SEED, SHARED, Corpus, build_corpus

LAST_MODIFIED = "Thu, 26 Nov 2026 06:00:00 GMT"
ROOT = Path(__file__).resolve().parents[1]


class BenchServerError(RuntimeError):
    """The server process did not start (or died); its stderr is in the message."""


class _Site:
    """What the handler serves: feeds (rendered once) and pages (rendered per request)."""

    def __init__(self, corpus: Corpus, base_url: str) -> None:
        self.corpus = corpus
        self.routes = {it.route: it for it in corpus.items}
        self.feeds: dict[str, tuple[bytes, str]] = {}
        for f in range(corpus.n_feeds):
            body = corpus.render_feed(f, base_url)
            self.feeds[corpus.feed_path(f)] = (body, '"' + hashlib.sha1(body).hexdigest()[:20] + '"')
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def count(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "reewatch-bench/1.0"
    site: _Site

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """No access log: 10,000 lines of it would cost more than the serving."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = urlsplit(self.path).path
        site = self.site
        if path == "/__stats":
            with site.lock:
                body = json.dumps(dict(site.counts)).encode()
            return self._reply(200, "application/json", body)
        if path == "/__reset":
            with site.lock:
                site.counts.clear()
            return self._reply(200, "application/json", b"{}")
        feed = site.feeds.get(path)
        if feed is not None:
            body, etag = feed
            inm = self.headers.get("If-None-Match")
            if inm is not None and etag in [t.strip().removeprefix("W/") for t in inm.split(",")]:
                site.count("feed_304")
                return self._reply(304, None, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            ims = self.headers.get("If-Modified-Since")
            if inm is None and ims == LAST_MODIFIED:
                site.count("feed_304")
                return self._reply(304, None, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            site.count("feed_200")
            return self._reply(200, "application/rss+xml; charset=utf-8", body,
                               {"ETag": etag, "Last-Modified": LAST_MODIFIED})
        item = site.routes.get(path)
        if item is not None:
            site.count("page_200")
            return self._reply(200, "text/html; charset=utf-8", site.corpus.render_page(item))
        site.count("not_found")
        self._reply(404, "text/plain", b"not found")

    def _reply(self, status: int, ctype: str | None, body: bytes,
               headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early are normal here."""


def serve(n_articles: int, seed: int, n_feeds: int, shared: Path, port: int = 0) -> None:
    """Build the corpus, bind, print 'PORT <n>' on stdout, serve until killed."""
    corpus = build_corpus(n_articles, seed, n_feeds, shared)
    httpd = _Server(("127.0.0.1", port), BaseHTTPRequestHandler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.RequestHandlerClass = type("H", (_Handler,), {"site": _Site(corpus, base)})
    print(f"PORT {httpd.server_address[1]}", flush=True)
    httpd.serve_forever(poll_interval=0.2)


class ServerProcess:
    """Start `python -m benchmarks.server` and wait for its port; stop() ends that process."""

    def __init__(self, n_articles: int, seed: int = DEFAULT_SEED, n_feeds: int = DEFAULT_FEEDS,
                 shared: Path = SHARED, timeout: float = 120.0) -> None:
        self.args = [sys.executable, "-m", "benchmarks.server", "--articles", str(n_articles),
                     "--seed", str(seed), "--feeds", str(n_feeds), "--shared", str(shared)]
        self.timeout = timeout
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> ServerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("PORT ") or self.proc.poll() is not None:
                break
        if not line.startswith("PORT "):
            self.stop()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise BenchServerError(f"benchmark server did not start: {err[-2000:]}")
        self.port = int(line.split()[1])
        return self

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host_port}"

    def feed_urls(self, corpus: Corpus) -> list[str]:
        return [self.base_url + corpus.feed_path(f) for f in range(corpus.n_feeds)]

    def _get(self, path: str) -> dict[str, int]:
        with urllib.request.urlopen(self.base_url + path, timeout=10) as resp:  # noqa: S310 - loopback
            return json.loads(resp.read())

    def stats(self) -> dict[str, int]:
        return self._get("/__stats")

    def reset(self) -> None:
        self._get("/__reset")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr) if self.proc else ():
            if stream is not None:
                stream.close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--feeds", type=int, default=DEFAULT_FEEDS)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        serve(a.articles, a.seed, a.feeds, a.shared, a.port)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
