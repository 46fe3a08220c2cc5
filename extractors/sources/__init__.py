"""Source kinds, fundus style: a source is data (`[[feeds]]` with a `kind`), a kind is a module.

Each module has `poll(fetcher, feed, state, now[, first_run_days]) -> FeedPoll` returning
the plain `FeedEntry` items the daily flow already consumes, every request made through
the guarded `Fetcher` (SSRF refusal on every hop, size and time caps, per-host
politeness, robots.txt), and `check(feed) -> list[str]` for configuration problems.
"""

from __future__ import annotations

from datetime import datetime
from types import ModuleType

from extractors.http import Fetcher, FetchError, unexpected_record
from extractors.sources import federal_register, gdelt, html_list, rss, sitemap
from extractors.types import SOURCE_KINDS, FeedPoll, FeedSpec, FeedState

KINDS: dict[str, ModuleType] = {
    "rss": rss,
    "gdelt": gdelt,
    "federal_register": federal_register,
    "sitemap": sitemap,
    "html_list": html_list,
}
assert tuple(KINDS) == SOURCE_KINDS


def problems(feed: FeedSpec) -> list[str]:
    """What is wrong with a source's configuration ([] if nothing)."""
    if feed.kind not in KINDS:
        return [f"unknown kind {feed.kind!r}; known: {', '.join(KINDS)}"]
    return KINDS[feed.kind].check(feed)


async def poll_source(fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime,
                      first_run_days: float = 7) -> FeedPoll:
    """Poll one source of any kind; failures come back as status "failed", never raised."""
    module = KINDS[feed.kind]
    try:
        if module is rss:
            return await rss.poll(fetcher, feed, state, now)
        return await module.poll(fetcher, feed, state, now, first_run_days)
    except FetchError as exc:
        return FeedPoll(feed.url, "failed", http_status=exc.http_status,
                        error=exc.to_record("feed", feed.url, url=feed.url))
    except Exception as exc:  # the catch-all for one source: its failure, never the run's
        return FeedPoll(feed.url, "failed", error=unexpected_record("feed", feed.url, feed.url, exc))
