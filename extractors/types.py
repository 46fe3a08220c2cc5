"""Plain data passed between pipeline stages.

Every stage is a function over these dataclasses; none of them knows about
Prefect or DuckDB, so tests can build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

EVENT_TYPES: tuple[str, ...] = (
    "export_control",
    "export_control_easing",
    "agreement",
    "investment",
    "trade_measure",
    "production_quota",
    "stockpile",
    "talks",
    "industrial_policy",
)


def article_id_for(url: str) -> str:
    """Stable article id: the first 16 hex chars of sha1(canonical url)."""
    import hashlib  # here, not at the top: the query commands import this module and never hash

    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


SOURCE_KINDS: tuple[str, ...] = ("rss", "gdelt", "federal_register", "sitemap", "html_list")
EVIDENCE_LEVELS: tuple[str, ...] = ("page", "feed_text", "headline")  # best first


@dataclass(frozen=True)
class FeedSpec:
    """A source declared in the configuration (`[[feeds]]`); `kind` says how to read it.

    Every kind takes `url` (so a mirror or a loopback replay can stand in), `name`
    and `language`; the other keys belong to one kind each (see extractors/sources/).
    """

    url: str
    name: str
    language: str | None = None
    kind: str = "rss"
    # gdelt: the DOC 2.0 query; federal_register: the search term
    query: str = ""
    # federal_register: agency slugs and document types (RULE, PRORULE, NOTICE, PRESDOCU)
    agencies: tuple[str, ...] = ()
    document_types: tuple[str, ...] = ()
    # html_list: CSS selectors for the items of an announcement list page
    item_selector: str = ""
    link_selector: str = "a"
    title_selector: str = ""
    date_selector: str = ""
    # gdelt: seconds between two requests to the API host (GDELT asks for 5)
    min_interval: float = 0.0
    max_items: int = 250  # items asked for per poll (GDELT caps at 250)


@dataclass
class FeedState:
    """What we remember about a feed between runs (conditional GET, health)."""

    feed_url: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled: datetime | None = None
    last_success: datetime | None = None
    consecutive_failures: int = 0
    next_poll_after: datetime | None = None
    last_error: str | None = None
    last_new_items: int = 0


@dataclass
class ErrorRecord:
    """One failure, kept as data: where, what kind, and whether a retry can help."""

    stage: str  # "feed" | "article" | "nlp" | "alert"
    url: str
    kind: str  # short machine name, e.g. "http_404", "timeout", "blocked_address"
    message: str  # a sentence a human understands
    transient: bool
    feed_url: str | None = None
    http_status: int | None = None


@dataclass
class FeedEntry:
    """One item of a feed, its link already canonicalised."""

    feed_url: str
    url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    guid: str | None = None
    content: str = ""  # full text the feed carries (content:encoded), HTML allowed
    outlet: str | None = None  # publisher the feed names (<source>, <News:Source>, GDELT domain)
    language: str | None = None
    country: str | None = None  # GDELT sourcecountry
    headline_only: bool = False  # the source gives a title only (Google News)
    fetch: bool = True  # False: the page cannot be followed; the feed's text stands alone


@dataclass
class FeedPoll:
    """The outcome of polling one feed."""

    feed_url: str
    status: Literal["ok", "not_modified", "failed", "skipped"]
    entries: list[FeedEntry] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    error: ErrorRecord | None = None
    dropped: dict[str, int] = field(default_factory=dict)  # entries left out: reason -> count
    item_errors: list[ErrorRecord] = field(default_factory=list)  # items left out for a bad link
    warnings: list[str] = field(default_factory=list)  # what the user should know about this source


@dataclass
class Article:
    """An article ready for NLP; `extraction` says where its text came from."""

    url: str
    title: str
    text: str
    published: datetime | None = None
    feed_url: str | None = None
    author: str | None = None
    site: str | None = None
    language: str | None = None
    extraction: Literal["page", "feed", "skipped", "input"] = "page"  # skipped: no mineral named
    fallback_reason: str | None = None
    raw_html_gz: bytes | None = None
    fetched_at: datetime | None = None
    id: str = ""
    # what the text stands on: the publisher's page, the feed's own text, or a title only
    evidence: Literal["page", "feed_text", "headline"] = "page"

    def __post_init__(self) -> None:
        if not self.id:
            self.id = article_id_for(self.url)


@dataclass
class Mention:
    """Where an event is stated in an article: sentence and character offsets."""

    sentence: str
    start: int
    end: int
    trigger: str


@dataclass
class Event:
    """One event as stated by one article (mentions merged within the article)."""

    type: str
    date: str | None
    date_precision: Literal["day", "month", "year"] | None
    actors: list[str] = field(default_factory=list)
    commodities: list[str] = field(default_factory=list)
    amount: float | None = None
    currency: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    confidence: float = 1.0

    def to_format(self) -> dict[str, Any]:
        """The FORMAT.md representation (what `reewatch extract` writes)."""
        out: dict[str, Any] = {
            "type": self.type,
            "date": self.date,
            "date_precision": self.date_precision,
            "actors": list(self.actors),
            "commodities": list(self.commodities),
        }
        if self.amount is not None:
            out["amount"] = self.amount
            out["currency"] = self.currency
        return out


@dataclass
class FetchSettings:
    """Limits and manners for every HTTP request reewatch makes ([fetch] in the config)."""

    timeout: float = 20.0  # total deadline for one response, seconds (not per read)
    connect_timeout: float = 10.0
    max_bytes: int = 5_000_000  # cap on the body as received
    max_decompressed_bytes: int = 20_000_000  # cap after gzip/deflate/br inflation
    max_feed_entries: int = 500  # entries kept from one feed document
    concurrency: int = 8  # requests in flight overall
    per_host: int = 2  # requests in flight per host
    per_host_delay: float = 0.5  # seconds between two requests to the same host
    retries: int = 2  # extra attempts on 5xx / 429 / timeouts / resets
    backoff: float = 1.0  # first backoff, seconds; doubles each retry
    max_retry_after: float = 30.0  # longest Retry-After we wait within a run
    allow_hosts: list[str] = field(default_factory=list)  # "host:port" allowed though private
    respect_robots: bool = True
    extract_workers: int = 2  # processes for trafilatura (CPU-bound); 0 = in threads of this process
    extract_all: bool = False  # also extract pages whose HTML names no critical mineral
    extract_timeout: float = 60.0  # seconds one page's text extraction may take before it is stopped
    contact: str = "https://github.com/reewatch/reewatch"
    user_agent: str = ""  # default built from version and contact

    def agent(self) -> str:
        from extractors import __version__

        return self.user_agent or f"reewatch/{__version__} (+{self.contact})"
