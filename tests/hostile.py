"""Hostile feeds and pages for the loopback test server: one route per attack.

`install(server, tmp)` registers every route on a `tests.httpserver.TestServer` and
returns the catalogue (`Hostile`): the feed URLs and what each one attacks. Each
family of issue 11 has one or more routes; the texts are invented.

Families: local file read (a path as the body), gzip members, backtracking
regexes, poisoned validators, bad charsets, bad URLs, bad characters and
dates, cost caps. `tests/test_hostile.py` checks each route through the real
fetch path; `test_hostile_world_three_runs` serves them all beside a good feed.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path

from tests.httpserver import GOOD_PAGE, GOOD_PAGE_2, RequestHandler, TestServer, item, rss

BAD_CHARSETS = ("base64", "rot13", "hex", "zip", "idna", "undefined", "punycode")
HUGE_ITEMS = 500_000
COMMENTS_BODY = b"<!---->" * 40  # made an exponential regex spin before any Content-Type check
LOCAL_SECRET = "reewatch-local-file-marker"  # written to a local file; must never be stored


@dataclass
class Hostile:
    """The hostile world served by one TestServer."""

    server: TestServer
    feeds: dict[str, str] = field(default_factory=dict)  # name -> feed URL
    good_pages: list[str] = field(default_factory=list)  # page URLs a good feed links to
    local_files: list[str] = field(default_factory=list)  # paths served as bodies

    def toml(self, db: Path, extra_fetch: str = "") -> str:
        """A config with every hostile feed beside the good one."""
        # the items carry fixed 2026 dates: keep them on a source's first poll whatever today is
        parts = [f'first_run_days = 36500\n\n[database]\npath = "{db}"\n']
        for name, url in self.feeds.items():
            parts.append(f'[[feeds]]\nurl = "{url}"\nname = "{name}"\n')
        parts.append(
            f'[fetch]\nallow_hosts = ["{self.server.host_port}"]\ntimeout = 5.0\nretries = 0\n'
            f"per_host_delay = 0.0\nper_host = 8\nrespect_robots = true\nextract_all = true\n"
            f"max_feed_entries = 50\nextract_workers = 1\n{extra_fetch}"
        )
        return "\n".join(parts)


def _two_member_gzip(body: bytes) -> bytes:
    half = len(body) // 2
    return gzip.compress(body[:half]) + gzip.compress(body[half:])


def _gzip_handler(data: bytes, ctype: str = "application/rss+xml"):
    def fn(h: RequestHandler, s: TestServer) -> None:
        h.send(200, data, {"Content-Type": ctype, "Content-Encoding": "gzip"})

    return fn


def huge_items_feed() -> bytes:
    """500,000 tiny items: 16 MB of XML, about 1.2 MB gzipped."""
    items = "".join(f"<item><link>/tiny/{i}</link></item>" for i in range(HUGE_ITEMS))
    return rss([items])


def charset_page(label: str) -> bytes:
    return GOOD_PAGE.replace(b'<meta charset="utf-8">', f'<meta charset="{label}">'.encode())


def install(server: TestServer, tmp: Path) -> Hostile:
    """Register the hostile routes; `tmp` holds the local files a feed body names."""
    world = Hostile(server)
    secret = tmp / "secret.txt"
    secret.write_text(f"<rss><channel><item><title>{LOCAL_SECRET}</title>"
                      f"<link>http://example.invalid/leak</link></item></channel></rss>")
    fifo = tmp / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    world.local_files = [str(secret), "/dev/zero", str(fifo), "/etc/hostname"]

    def feed(name: str, path: str, body: bytes | None = None, **kw) -> None:
        if body is not None:
            server.route(path, body, content_type=kw.pop("content_type", "application/rss+xml"), **kw)
        world.feeds[name] = server.url(path)

    # The good feed: every one of its pages must be stored, every run.
    server.route("/good/1", GOOD_PAGE)
    server.route("/good/2", GOOD_PAGE_2)
    for label in BAD_CHARSETS:
        server.route(f"/good/charset-{label}", charset_page(label),
                     content_type=f"text/html; charset={label}")
    server.route("/good/comments", COMMENTS_BODY, content_type=None)
    good_items = [item("Good one", server.url("/good/1"), guid="good-1"),
                  item("Good two", server.url("/good/2"), guid="good-2")]
    good_items += [item(f"Charset {label}", server.url(f"/good/charset-{label}"), guid=f"cs-{label}")
                   for label in BAD_CHARSETS]
    feed("Good feed", "/good/feed", rss(good_items))
    world.good_pages = [server.url("/good/1"), server.url("/good/2")] + [
        server.url(f"/good/charset-{label}") for label in BAD_CHARSETS
    ]
    # robots.txt in a charset that is not one; its rule must still apply.
    server.route("/robots.txt", b"User-agent: *\nDisallow: /private/\n",
                 content_type="text/plain; charset=undefined")

    # 1. local file read: bodies that look like paths
    for i, path in enumerate(world.local_files):
        feed(f"Path body {i}", f"/h/path/{i}", path.encode())
    # 2. a feed in two gzip members
    two = rss([item("Two members", server.url("/good/1"), guid="tm-1")])
    server.handler("/h/gzip-two", _gzip_handler(_two_member_gzip(two)))
    world.feeds["Two gzip members"] = server.url("/h/gzip-two")
    # 3. regex bait as a feed and as an item's page
    feed("Comment run", "/h/comments", COMMENTS_BODY, content_type=None)
    # 4. poisoned validators
    feed("Non-ASCII ETag", "/h/etag", rss([item("Etag item", server.url("/good/2"), guid="et-1")]),
         headers={"ETag": '"caf\u00e9-\u00ff"', "Last-Modified": "Mon, 02 Mar 2026 \u00e9 GMT"})
    # 5. bad charsets in the feed's header and XML declaration
    for label in BAD_CHARSETS:
        body = rss([item(f"In {label}", server.url("/good/1"), guid=f"fc-{label}")])
        body = body.replace(b'encoding="utf-8"', f'encoding="{label}"'.encode())
        feed(f"Feed charset {label}", f"/h/charset/{label}", body,
             content_type=f"application/rss+xml; charset={label}")
    # 6. bad URLs: in links and in redirects
    for i, location in enumerate(("http:foo", "mailto:someone@example.invalid", "http://a]b/")):
        server.route(f"/h/redirect/{i}", b"", status=302, content_type=None,
                     headers={"Location": location})
    bad_links = [item("Bracket host", "http://[foo]/", guid="bl-1"),
                 item("Mail link", "mailto:someone@example.invalid", guid="bl-2")]
    bad_links += [item(f"Redirect {i}", server.url(f"/h/redirect/{i}"), guid=f"br-{i}")
                  for i in range(3)]
    feed("Bad URLs", "/h/bad-urls", rss(bad_links))
    # 7. bad characters and dates
    feed("Bad characters", "/h/chars", rss([
        item("Surrogate &#55296; and beyond &#1114112; end", server.url("/good/1"), guid="ch-1"),
        item("Year one", server.url("/good/2"), guid="ch-2", date="Mon, 01 Jan 0001 00:00:00 GMT"),
        item("Year 9999", server.url("/good/3"), guid="ch-3", date="Fri, 31 Dec 9999 23:59:59 GMT"),
    ]))
    # 11. cost caps
    server.handler("/h/huge-items", _gzip_handler(gzip.compress(huge_items_feed(), 6)))
    world.feeds["Half a million items"] = server.url("/h/huge-items")
    server.route("/tiny/0", GOOD_PAGE)  # the items' pages (only the first exists)
    return world
