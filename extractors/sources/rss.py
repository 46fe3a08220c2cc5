"""kind = "rss" (the default): an RSS or Atom feed, conditional GET, feedparser on the bytes.

See extractors/feeds.py for the parsing. Aggregator feeds need care: Bing's item
links are unwrapped to the publisher (extractors/links.py) and its <News:Source>
names the outlet; Google News links cannot be followed at all, so such a feed is
read as headlines only, with a warning.
"""

from __future__ import annotations

from datetime import datetime

from extractors import links
from extractors.feeds import poll_feed
from extractors.http import Fetcher
from extractors.types import FeedPoll, FeedSpec, FeedState


async def poll(fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime) -> FeedPoll:
    result = await poll_feed(fetcher, feed, state, now)
    opaque = [e.url for e in result.entries if e.headline_only]
    reason = links.unfollowable(feed.url) or (links.unfollowable(opaque[0]) if opaque else None)
    if reason:
        result.warnings.append(f"{feed.name}: {reason}; its {len(opaque)} item(s) are stored as headlines")
    return result


def check(feed: FeedSpec) -> list[str]:
    """Configuration problems of an rss source (none beyond a URL)."""
    return []
