"""robots.txt: fetched once per host per Fetcher, through the same guarded path.

Matching follows RFC 9309 through protego (the parser Scrapy maintains): the
group of the most specific matching User-agent applies, the longest matching
rule wins (Allow on a tie), and `*` / `$` wildcards work. The standard library's
`urllib.robotparser` does none of this (first match wins, no wildcards), which
reads e.g. news.google.com's allow-list wrongly.

Fetching rules: a missing robots.txt or any 4xx means everything is allowed; a
5xx or a failed fetch also allows (we fetch at most a few pages a day per host)
but is noted in `RobotsCache.notes` so the run can report it; a robots.txt we
cannot parse allows nothing it does not state.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from protego import Protego

from extractors.charsets import decode_text
from extractors.http import FetchError, RobotsDisallowed

if TYPE_CHECKING:
    from extractors.http import Fetcher, Target

ROBOTS_MAX_BYTES = 500_000  # Google reads the first 500 KiB
ROBOTS_TIMEOUT = 10.0
ROBOTS_AGENT = "reewatch"  # the product token matched against User-agent lines


class RobotsCache:
    """Parsed robots.txt per scheme://host:port, fetched lazily and only once."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._parsers: dict[str, Protego | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.notes: dict[str, str] = {}  # origin -> why robots.txt was not applied

    async def check(self, target: Target) -> None:
        """Raise RobotsDisallowed if robots.txt forbids `target.url` to us."""
        origin = f"{target.scheme}://{target.host_header()}"
        parser = await self._parser_for(origin)
        if parser is not None and not parser.can_fetch(target.url, ROBOTS_AGENT):
            raise RobotsDisallowed(
                f"{origin}/robots.txt disallows this URL for {ROBOTS_AGENT}", url=target.url
            )

    async def _parser_for(self, origin: str) -> Protego | None:
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:  # concurrent first requests to a host wait for one fetch
            if origin not in self._parsers:
                self._parsers[origin] = await self._fetch(origin)
            return self._parsers[origin]

    async def _fetch(self, origin: str) -> Protego | None:
        """None means "no rules apply"."""
        url = f"{origin}/robots.txt"
        try:
            response = await self._fetcher.get(
                url,
                accept="text/plain,*/*;q=0.5",
                check_robots=False,
                max_bytes=ROBOTS_MAX_BYTES,
                timeout=min(ROBOTS_TIMEOUT, self._fetcher.settings.timeout),
                retries=0,
            )
        except FetchError as exc:
            if exc.http_status is not None and 400 <= exc.http_status < 500:
                return None  # no robots.txt: everything allowed
            self.notes[origin] = f"robots.txt not applied ({exc.kind}): {exc.message}"
            return None
        # the server's charset label only if it names a text codec (not base64, undefined...)
        return Protego.parse(decode_text(response.body, response.charset))
