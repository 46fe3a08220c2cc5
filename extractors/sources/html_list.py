"""kind = "html_list": an announcement list page read with CSS selectors from the config.

For ministries without feeds (China's MOFCOM export-control announcements, Japan's
METI): `item_selector` picks each item, `link_selector` (default "a") its link inside
the item, `title_selector` its title (default: the link's text), `date_selector` its
date (read with dateparser; "2026-10-09", "2026年10月09日" and "9 Oct 2026" all work);
with a date_selector, a matched element without a date is not an item (a menu entry).
Only the link and title are taken from the list; the announcement page is fetched
for its text.
"""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
from cssselect import SelectorError

from extractors.articles import decode_html
from extractors.feeds import ParsedFeed
from extractors.http import HTML_ACCEPT, BadContent, Fetcher, FetchError
from extractors.sources.common import add_entry, clamp_future, failed, ok
from extractors.types import FeedPoll, FeedSpec, FeedState


def _text(el: lxml.html.HtmlElement | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _date(text: str) -> datetime | None:
    if not text:
        return None
    import dateparser  # only when a list has dates: it takes ~0.3 s to import

    when = dateparser.parse(text, settings={"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True,
                                            "PREFER_DAY_OF_MONTH": "first"})
    return when.astimezone(UTC) if when else None


def _first(el: lxml.html.HtmlElement, selector: str) -> lxml.html.HtmlElement | None:
    if not selector:
        return None
    found = el.cssselect(selector)
    return found[0] if found else None


def parse(body: bytes, charset: str | None, base_url: str, feed: FeedSpec, now: datetime,
          max_items: int = 250) -> ParsedFeed:
    """Entries of one list page (pure); a selector that matches nothing raises BadContent."""
    text, _codec = decode_html(body, charset)
    try:
        doc = lxml.html.fromstring(text)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise BadContent(f"list page is not readable HTML ({exc})", url=feed.url, kind="bad_list") from exc
    try:
        items = doc.cssselect(feed.item_selector)
    except SelectorError as exc:
        raise BadContent(f"item_selector {feed.item_selector!r} is not valid CSS: {exc}",
                         url=feed.url, kind="bad_selector") from exc
    if not items:
        raise BadContent(
            f"item_selector {feed.item_selector!r} matches nothing on the page; the site's layout "
            "may have changed (fix the selectors in [[feeds]])", url=feed.url, kind="selector_no_match")
    result = ParsedFeed()
    seen: set[str] = set()
    for item in items:
        date_el = _first(item, feed.date_selector)
        if feed.date_selector and date_el is None:
            result.drop("not_an_item")  # navigation and the like: list items carry a date
            continue
        link_el = item if item.tag == "a" else _first(item, feed.link_selector or "a")
        href = link_el.get("href") if link_el is not None else None
        title = _text(_first(item, feed.title_selector)) if feed.title_selector else _text(link_el)
        add_entry(
            result, seen, feed, href, base_url, max_items,
            title=title,
            published=clamp_future(_date(_text(date_el)), now),
            language=feed.language,
        )
    return result


async def poll(fetcher: Fetcher, feed: FeedSpec, state: FeedState, now: datetime,
               first_run_days: float = 7) -> FeedPoll:
    try:
        response = await fetcher.get(feed.url, accept=HTML_ACCEPT)
        parsed = parse(response.body, response.charset, response.final_url, feed, now, feed.max_items)
    except FetchError as exc:
        return failed(feed, exc)
    return ok(feed, parsed, response)


def check(feed: FeedSpec) -> list[str]:
    if not feed.item_selector:
        return ["html_list needs `item_selector` (CSS), e.g. 'ul.news-list li'"]
    from cssselect import GenericTranslator

    problems = []
    for key in ("item_selector", "link_selector", "title_selector", "date_selector"):
        value = getattr(feed, key)
        if value:
            try:
                GenericTranslator().css_to_xpath(value)
            except SelectorError as exc:
                problems.append(f"{key} {value!r} is not valid CSS: {exc}")
    return problems
