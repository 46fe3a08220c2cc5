"""`reewatch sources check`: probe every configured source once, store nothing, say what to fix.

Each source is polled exactly as a run would poll it (same kind module, same guarded
fetcher, robots.txt obeyed), but as if for the first time and without a database. Article
pages are not fetched: "full text" here means text the source itself carries
(content:encoded, an API abstract), the part that survives when a page is blocked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from extractors import links
from extractors.articles import MIN_TEXT_CHARS, feed_text
from extractors.http import Fetcher, run_async
from extractors.sources import poll_source, problems
from extractors.types import FeedPoll, FeedSpec, FeedState, FetchSettings

UNREACHABLE = {"dns_error", "connect_error", "timeout", "tls_error", "connection_reset"}
STALE_AFTER = timedelta(days=30)  # no item newer than this: the feed may be retired


@dataclass
class SourceReport:
    """What one probe found."""

    name: str
    url: str
    kind: str
    reachable: bool = False
    robots: str = "not checked"
    items: int = 0
    full_text: int = 0  # items whose own text is usable full text
    newest: datetime | None = None
    error: str | None = None
    fixes: list[str] = field(default_factory=list)
    offline: bool = False

    @property
    def share(self) -> float:
        return self.full_text / self.items if self.items else 0.0


def _report(feed: FeedSpec, poll: FeedPoll, robots_note: str | None, now: datetime) -> SourceReport:
    rep = SourceReport(feed.name, feed.url, feed.kind)
    kind = poll.error.kind if poll.error else None
    if kind in UNREACHABLE:
        rep.offline = kind in ("dns_error", "connect_error")
        rep.error = poll.error.message if poll.error else None
        rep.fixes.append("cannot reach the host: check the network or the URL")
        return rep
    rep.reachable = True
    if kind == "robots_disallowed":
        rep.robots = "disallowed"
        rep.fixes.append("robots.txt forbids polling this URL: remove the source or find one that allows it")
        return rep
    rep.robots = f"not applied ({robots_note})" if robots_note else "allowed"
    if poll.status == "failed":
        rep.error = f"{kind}: {poll.error.message}" if poll.error else "failed"
        rep.fixes.append(_fix_for(kind, feed))
        return rep
    rep.items = len(poll.entries)
    rep.full_text = sum(
        1 for e in poll.entries if feed_text(e)[1] == "feed_text" and len(feed_text(e)[0]) >= MIN_TEXT_CHARS
    )
    dated = [e.published for e in poll.entries if e.published]
    rep.newest = max(dated) if dated else None
    reason = links.unfollowable(feed.url)
    if reason:
        rep.fixes.append(f"{reason}; use GDELT or the publishers' own feeds instead")
    if not rep.items:
        rep.fixes.append("no items: check that the URL (and for html_list the selectors) still match")
    elif rep.newest is not None and rep.newest < now - STALE_AFTER:
        rep.fixes.append(f"newest item is from {rep.newest:%Y-%m-%d}: the feed may be retired")
    elif not rep.full_text and feed.kind == "rss" and not reason:
        rep.fixes.append("summaries only: every article depends on its page being readable")
    rep.fixes.extend(poll.warnings if not reason else [])
    return rep


def _fix_for(kind: str | None, feed: FeedSpec) -> str:
    if kind in ("http_404", "http_410"):
        return "the URL is gone: find the source's current feed URL"
    if kind in ("http_401", "http_403"):
        return "the server refuses automated clients: drop the source or ask the publisher"
    if kind in ("bad_feed", "bad_sitemap", "bad_api_answer"):
        return f"the answer is not what kind {feed.kind!r} reads: check the URL and the kind"
    if kind == "selector_no_match":
        return "the page layout changed: fix item_selector"
    if kind == "rate_limited":
        return "the API rate-limited us: poll less often"
    return "see the error; `reewatch sources check` again after fixing"


def check_sources(feeds: list[FeedSpec], settings: FetchSettings, now: datetime | None = None,
                  first_run_days: float = 7) -> list[SourceReport]:
    """Probe each source once (concurrently, politely); nothing is written anywhere."""
    now = now or datetime.now(UTC)

    async def run() -> list[SourceReport]:
        async with Fetcher(settings) as fetcher:
            async def one(feed: FeedSpec) -> SourceReport:
                found = problems(feed)
                if found:
                    rep = SourceReport(feed.name, feed.url, feed.kind, error="; ".join(found))
                    rep.fixes.append("fix this [[feeds]] entry")
                    return rep
                poll = await poll_source(fetcher, feed, FeedState(feed.url), now, first_run_days)
                origin = feed.url.split("/", 3)[:3]
                note = fetcher.robots.notes.get("/".join(origin))
                return _report(feed, poll, note, now)

            return list(await asyncio.gather(*(one(f) for f in feeds)))

    return run_async(run())


def lines(reports: list[SourceReport]) -> list[str]:
    """The printed report: one line per offline source, a short block for every other."""
    out = []
    for r in reports:
        if r.offline:
            out.append(f"OFFLINE  {r.name} <{r.url}>: {r.error}")
            continue
        head = "ok      " if r.reachable and not r.error and r.items else "PROBLEM "
        out.append(f"{head} {r.name} ({r.kind}) <{r.url}>")
        newest = f"{r.newest:%Y-%m-%d %H:%M}" if r.newest else "-"
        out.append(f"         reachable: {'yes' if r.reachable else 'no'} · robots: {r.robots} · items: {r.items}"
                   f" · full text in the source: {100 * r.share:.0f}% · newest item: {newest}")
        if r.error:
            out.append(f"         error: {r.error}")
        for fix in r.fixes:
            out.append(f"         fix: {fix}")
    return out
