"""A loopback news world for demos and end-to-end tests.

`DemoServer` serves the invented outlets in `flows/demo_data/` (feeds, article pages,
a PDF, a page that fails once, one that always fails, a broken feed) on 127.0.0.1, so
the whole pipeline can run without touching the internet. `manifest.json` in that
folder maps routes to files and lists the events a careful reader would annotate; it
is for tests and documentation only, the pipeline never reads it.

Run `uv run python -m flows.demo` to serve the world by hand until Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from extractors.types import FeedSpec, FetchSettings
from flows.config import Settings

DEMO_DATA = Path(__file__).parent / "demo_data"
BASE_PLACEHOLDER = "{base}"


class DemoDataError(RuntimeError):
    """The demo manifest points at a missing file or is malformed; fix flows/demo_data/."""


class _Route:
    """One servable path: body (with {base} substituted), headers and failure behaviour."""

    def __init__(
        self,
        body: bytes,
        content_type: str,
        status: int,
        last_modified: str | None,
        fail_first: int,
    ) -> None:
        self.body = body
        self.content_type = content_type
        self.status = status
        self.last_modified = last_modified
        self.fail_first = fail_first
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


_ERROR_BODY = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1></body></html>\n"
)
_NOT_FOUND_BODY = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1></body></html>\n"
)


class _Handler(BaseHTTPRequestHandler):
    """Serves the routes of the owning DemoServer; quiet, HTTP/1.1 with Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "reewatch-demo/1.0"
    demo: DemoServer  # set on a per-server subclass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default stderr access log: tests and demos stay readable."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        path = urlsplit(self.path).path or "/"
        demo = self.demo
        served = demo._count(path)
        route = demo._routes.get(path)
        if route is None:
            self._reply(404, "text/html; charset=utf-8", _NOT_FOUND_BODY, {}, send_body)
            return
        if served <= route.fail_first:
            self._reply(500, "text/html; charset=utf-8", _ERROR_BODY, {}, send_body)
            return
        headers = {"ETag": route.etag}
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.status == 200 and self._not_modified(route):
            self._reply(304, None, b"", headers, send_body)
            return
        self._reply(
            route.status,
            route.content_type,
            route.body,
            headers if route.status == 200 else {},
            send_body,
        )

    def _not_modified(self, route: _Route) -> bool:
        """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or route.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and route.last_modified:
            try:
                return parsedate_to_datetime(ims) >= parsedate_to_datetime(route.last_modified)
            except (TypeError, ValueError):
                return False
        return False

    def _reply(
        self,
        status: int,
        content_type: str | None,
        body: bytes,
        headers: dict[str, str],
        send_body: bool,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that does not print tracebacks when a client hangs up early."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients resetting or abandoning connections is normal under test; stay silent."""


class DemoServer:
    """Context manager serving the demo news world on 127.0.0.1 from a daemon thread.

    >>> with DemoServer() as srv:                                  # doctest: +SKIP
    ...     srv.feed_specs()[0].url
    'http://127.0.0.1:54321/feeds/hsj.xml'
    """

    def __init__(self, port: int = 0, data_dir: Path = DEMO_DATA) -> None:
        """Load the manifest and bind the port now, so a busy port fails here (OSError)."""
        self.data_dir = Path(data_dir)
        self.manifest: dict[str, Any] = self._load_manifest()
        self._requested_port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # path -> number of requests seen
        self._bind()

    # -- lifecycle -----------------------------------------------------------------

    def _bind(self) -> None:
        handler = type("DemoHandler", (_Handler,), {"demo": self})
        httpd = _QuietServer(("127.0.0.1", self._requested_port), handler)
        self._httpd = httpd
        self._routes = self._build_routes()

    def start(self) -> DemoServer:
        """Serve in a daemon thread (binding again if stopped before); idempotent."""
        if self._thread is not None:
            return self
        if self._httpd is None:
            self._bind()
        assert self._httpd is not None
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="reewatch-demo-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(
                "DemoServer is not running; use it as a context manager or call start()"
            )
        return int(self._httpd.server_address[1])

    @property
    def host_port(self) -> str:
        """'127.0.0.1:PORT', the form FetchSettings.allow_hosts expects."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host_port}"

    def url(self, route: str) -> str:
        """Absolute URL of a manifest route on this server."""
        return self.base_url + route

    # -- what the world contains -----------------------------------------------------

    def feed_specs(self) -> list[FeedSpec]:
        """All demo feeds, the broken one included (the pipeline must survive it)."""
        return [
            FeedSpec(self.url(f["route"]), f["name"], f.get("language"))
            for f in self.manifest["feeds"]
        ]

    def articles(self) -> list[dict[str, Any]]:
        """Manifest article records with an absolute `url` added."""
        return [{**a, "url": self.url(a["route"])} for a in self.manifest["articles"]]

    def expected_events(self, include_optional: bool = True) -> list[dict[str, Any]]:
        """Every annotated event (FORMAT.md fields) with the article `url`, `route` and `key`.

        Borderline background mentions carry `"optional": true`, as in the gold sets.
        """
        out = []
        for a in self.manifest["articles"]:
            for e in a["events"]:
                if e.get("optional") and not include_optional:
                    continue
                out.append({"url": self.url(a["route"]), "route": a["route"], "key": a["key"], **e})
        return out

    def request_count(self, route: str) -> int:
        with self._lock:
            return self.requests[route]

    def reset_counts(self) -> None:
        """Forget request counts (and so re-arm routes that fail on their first request)."""
        with self._lock:
            self.requests.clear()

    # -- internals -------------------------------------------------------------------

    def _count(self, path: str) -> int:
        with self._lock:
            self.requests[path] += 1
            return self.requests[path]

    def _load_manifest(self) -> dict[str, Any]:
        path = self.data_dir / "manifest.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DemoDataError(f"cannot read demo manifest {path}: {exc}") from exc

    def _build_routes(self) -> dict[str, _Route]:
        routes: dict[str, _Route] = {}
        base = self.base_url.encode()
        for route, spec in self.manifest["routes"].items():
            path = self.data_dir / spec["file"]
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise DemoDataError(
                    f"manifest route {route} points at unreadable {path}: {exc}"
                ) from exc
            ctype = spec["content_type"]
            if ctype.startswith(
                ("text/", "application/rss", "application/atom", "application/xml")
            ):
                body = body.replace(BASE_PLACEHOLDER.encode(), base)
            routes[route] = _Route(
                body,
                ctype,
                int(spec.get("status", 200)),
                spec.get("last_modified"),
                int(spec.get("fail_first", 0)),
            )
        return routes


# The demo world's stories carry fixed dates; its first run takes them all, however old.
DEMO_FIRST_RUN_DAYS = 36500


def demo_settings(db_path: Path | str, server: DemoServer) -> Settings:
    """Settings for a run against `server`: its feeds, `db_path`, fast and loopback-allowed fetching."""
    return Settings(
        feeds=server.feed_specs(),
        db=Path(db_path),
        fetch=FetchSettings(
            allow_hosts=[server.host_port],
            per_host_delay=0,
            per_host=8,
            retries=1,
            backoff=0.1,
            timeout=5,
        ),
        first_run_days=DEMO_FIRST_RUN_DAYS,
        source="demo",
    )


def _toml_str(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(value, ensure_ascii=False)


def write_demo_config(server: DemoServer, db_path: Path | str, path: Path | None = None) -> Path:
    """Write a reewatch TOML config for `server` (what `demo_settings` builds) and return its path.

    The daily flow takes a config file, not a Settings object, so the demo command hands it
    this file. Default location: next to the database, `<db stem>.toml`.
    """
    db = Path(db_path).resolve()
    target = Path(path) if path is not None else db.with_suffix(".toml")
    fetch = demo_settings(db, server).fetch
    lines = [
        "# Written by `reewatch demo` for the loopback demo news server; safe to delete.",
        "",
        f"first_run_days = {float(DEMO_FIRST_RUN_DAYS)}",
        "",
        "[database]",
        f"path = {_toml_str(str(db))}",
        "",
        "[fetch]",
        f"allow_hosts = [{', '.join(_toml_str(h) for h in fetch.allow_hosts)}]",
        f"per_host_delay = {float(fetch.per_host_delay)}",
        f"per_host = {fetch.per_host}",
        f"retries = {fetch.retries}",
        f"backoff = {float(fetch.backoff)}",
        f"timeout = {float(fetch.timeout)}",
    ]
    for spec in server.feed_specs():
        lines += ["", "[[feeds]]", f"url = {_toml_str(spec.url)}", f"name = {_toml_str(spec.name)}"]
        if spec.language:
            lines.append(f"language = {_toml_str(spec.language)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def main() -> None:
    """Serve the demo world until interrupted and print where to find it."""
    import time

    with DemoServer() as srv:
        print(f"reewatch demo world at {srv.base_url}")
        for spec in srv.feed_specs():
            print(f"  {spec.name}: {spec.url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
