"""Near-duplicate articles and cross-article event merging (pure functions).

Two questions are answered here, both without I/O so they can be tested by hand:

1. Is this article a copy of one we already have?  Syndicated wire copies and the
   same story under several URLs differ only in furniture (captions, bylines,
   related-article boxes).  We compare 64-bit simhashes of word 3-shingles:
   copies land within `SIMHASH_THRESHOLD` bits, different stories on the same
   topic ~30 bits apart.
2. Is this event (as one article states it) the same real-world event as one
   already stored?  Precision matters as much as recall: two agreements of the
   same week between different countries must stay two events.  The rules are in
   `event_key_compatible`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from extractors.partial_date import PartialDate
from extractors.partial_date import compatible as partial_compatible
from extractors.same_event import same_event
from extractors.types import Event

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy comes with spaCy
    np = None  # type: ignore[assignment]

# --- near-duplicate articles -------------------------------------------------

SHINGLE_SIZE = 3
# Max Hamming distance (of 64 bits) for two texts to be copies of one story.
# Measured on the fixtures in tests/test_dedup.py: a 190-word wire story and its
# syndicated copy (own headline, byline, caption, "read more" box, two words
# edited) are 7 bits apart; a different story about a similar deal 31-32 bits
# (random texts average 32).  Manku et al. (2007) use 3 for whole web pages; news
# copies carry more furniture relative to their length, hence more slack.
SIMHASH_THRESHOLD = 10
# Below this many shingles a simhash says little (feed summaries, paywalls):
# only an exact content hash marks such a text as a duplicate.
MIN_SHINGLES = 40

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Lower-case, NFKC, punctuation to spaces, single spaces: the form we hash."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(text: str) -> str:
    """sha1 of the normalised text: equal for copies that differ only in spacing/case."""
    return hashlib.sha1(normalize_text(text).encode("utf-8")).hexdigest()


def shingles(text: str, k: int = SHINGLE_SIZE) -> set[str]:
    """Word k-grams of the normalised text (a set: repeats do not add weight)."""
    words = normalize_text(text).split()
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def _h64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """64-bit simhash (Charikar) of the text's shingles, as an unsigned int.

    Bit b is set when more than half of the shingle hashes have bit b set (every
    shingle weighs 1). numpy (always present: spaCy needs it) does the per-bit vote
    ~30x faster than a Python loop over 64 bits; the loop stays as a fallback.
    """
    return _simhash([_h64(sh) for sh in shingles(text)])


def fingerprint(text: str) -> int | None:
    """The simhash when the text has at least MIN_SHINGLES shingles, else None (too short to tell)."""
    grams = shingles(text)
    return _simhash([_h64(sh) for sh in grams]) if len(grams) >= MIN_SHINGLES else None


def _simhash(hashes: list[int]) -> int:
    if not hashes:
        return 0
    if np is not None:
        arr = np.array(hashes, dtype=">u8").view(np.uint8).reshape(-1, 8)
        ones = np.unpackbits(arr, axis=1, bitorder="big").sum(axis=0)  # MSB first
        bits = (2 * ones > len(hashes)).astype(np.uint8)
        return int.from_bytes(np.packbits(bits).tobytes(), "big")
    out = 0
    for bit in range(64):
        if 2 * sum((h >> bit) & 1 for h in hashes) > len(hashes):
            out |= 1 << bit
    return out


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes."""
    return (a ^ b).bit_count()


def is_near_duplicate(a: str, b: str, threshold: int = SIMHASH_THRESHOLD) -> bool:
    """True when the two texts are the same story (exact or simhash-close)."""
    if content_hash(a) == content_hash(b):
        return True
    if min(len(shingles(a)), len(shingles(b))) < MIN_SHINGLES:
        return False
    return hamming(simhash(a), simhash(b)) <= threshold


# --- actors --------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "UK": "GB",
    "U.K.": "GB",
    "EL": "GR",
}
_LEGAL_SUFFIXES = {"ltd", "inc", "corp", "co", "plc", "limited", "group", "holdings"}


def normalize_country(actor: str) -> str | None:
    """ISO alpha-2 code (or EU) when the actor is a country, else None."""
    a = actor.strip()
    a = _COUNTRY_ALIASES.get(a.upper(), a)
    if len(a) == 2 and a.isalpha() and a.isupper():
        return a
    return None


def normalize_org(actor: str) -> str:
    """FORMAT.md organisation form: lower-case, no punctuation, no legal suffixes."""
    words = normalize_text(actor).replace("_", " ").split()
    while words and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def split_actors(actors: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(country codes, normalised organisation names) of an actor list."""
    countries: set[str] = set()
    orgs: set[str] = set()
    for actor in actors:
        code = normalize_country(actor)
        if code:
            countries.add(code)
        elif org := normalize_org(actor):
            orgs.add(org)
    return frozenset(countries), frozenset(orgs)


# --- dates -----------------------------------------------------------------------

# An event dated only by its article's publication day may sit this many days
# from an explicit date of the same event, provided other evidence agrees.
PUBLISHED_SLACK_DAYS = 3
# Commodity words so common that sharing them proves nothing.
_GENERIC_COMMODITIES = {"critical minerals", "rare earths", "minerals", "metals"}


def date_precision_of(value: str | None, precision: str | None = None) -> str | None:
    """The precision of a YYYY[-MM[-DD]] string (given one wins when the value holds it)."""
    d = PartialDate.parse(value, precision)
    return d.precision if d else None


def date_start(value: str | None) -> date | None:
    """The first day a YYYY[-MM[-DD]] date can mean (for sorting and ranges)."""
    d = PartialDate.parse(value)
    return d.start if d else None


def _bucket(value: str, precision: str) -> str:
    return value[: {"year": 4, "month": 7}.get(precision, 10)]


_RANK = {"day": 0, "month": 1, "year": 2}


def dates_compatible(a: str | None, a_prec: str | None, b: str | None, b_prec: str | None) -> bool:
    """FORMAT.md rule (extractors.partial_date): compare at the coarser precision; days at
    most 1 apart. An undated event is compatible with nothing: merging on type and actors
    alone would fold every US-JP agreement ever into one."""
    return partial_compatible(a, a_prec, b, b_prec)


# --- event keys ---------------------------------------------------------------------


@dataclass(frozen=True)
class EventKey:
    """What merging looks at, normalised once."""

    type: str
    date: str | None
    precision: str | None
    countries: frozenset[str]
    orgs: frozenset[str]
    commodities: frozenset[str]
    amount: float | None
    currency: str | None
    basis: str  # "explicit" | "published": was the date only the publication day?


def date_basis(event: Event, published: date | datetime | None) -> str:
    """'published' when the event's day equals its article's publication day.

    The extractor falls back to the publication day when the text gives no date, so
    such a date is weak evidence; an explicit same-day date looks the same, which
    only widens the window when other fields agree.
    """
    if published is None or event.date is None:
        return "explicit"
    day = published.date() if isinstance(published, datetime) else published
    if (
        date_precision_of(event.date, event.date_precision) == "day"
        and event.date[:10] == day.isoformat()
    ):
        return "published"
    return "explicit"


def event_key(
    item: Event | Mapping[str, Any], published: date | datetime | None = None
) -> EventKey:
    """Normalise an Event (from an article) or a stored event row (a dict)."""
    if isinstance(item, Event):
        fields: Mapping[str, Any] = {
            "type": item.type,
            "date": item.date,
            "date_precision": item.date_precision,
            "actors": item.actors,
            "commodities": item.commodities,
            "amount": item.amount,
            "currency": item.currency,
            "date_basis": date_basis(item, published),
        }
    else:
        fields = item
    countries, orgs = split_actors(fields.get("actors") or [])
    cur = fields.get("currency")
    return EventKey(
        type=fields["type"],
        date=fields.get("date"),
        precision=date_precision_of(fields.get("date"), fields.get("date_precision")),
        countries=countries,
        orgs=orgs,
        commodities=frozenset(c.strip().lower() for c in fields.get("commodities") or []),
        amount=fields.get("amount"),
        currency=cur.upper() if cur else None,
        basis=fields.get("date_basis") or "explicit",
    )


def amounts_agree(a: EventKey, b: EventKey) -> bool | None:
    """True/False when both state an amount in one currency (within 1%), else None.

    Outlets often quote one deal in different currencies (US$8.5bn vs A$13bn);
    without exchange rates that is neither agreement nor conflict.
    """
    if a.amount is None or b.amount is None:
        return None
    if a.currency and b.currency and a.currency != b.currency:
        return None
    hi = max(abs(a.amount), abs(b.amount))
    return hi == 0 or abs(a.amount - b.amount) <= 0.01 * hi


def _corroborated(a: EventKey, b: EventKey) -> bool:
    """Evidence beyond type + countries that two loosely dated mentions agree."""
    if amounts_agree(a, b):
        return True
    if a.orgs & b.orgs:
        return True
    return bool((a.commodities & b.commodities) - _GENERIC_COMMODITIES)


def _dates_ok(a: EventKey, b: EventKey) -> bool:
    if dates_compatible(a.date, a.precision, b.date, b.precision):
        # Same year is too loose on its own: ask for more evidence.
        coarse = max(a.precision or "year", b.precision or "year", key=lambda p: _RANK.get(p, 2))
        return coarse != "year" or _corroborated(a, b)
    if "published" in (a.basis, b.basis) and a.precision == b.precision == "day":
        da, db = date_start(a.date), date_start(b.date)
        if da and db and abs((da - db).days) <= PUBLISHED_SLACK_DAYS:
            return _corroborated(a, b)
    return False


def event_key_compatible(
    a: Event | Mapping[str, Any] | EventKey, b: Event | Mapping[str, Any] | EventKey
) -> bool:
    """True when a and b may be the same real-world event.

    All must hold: same type; compatible dates (FORMAT.md rule, or a
    publication-dated day within PUBLISHED_SLACK_DAYS of the other when amount,
    organisation or a specific commodity agrees; same year only with such
    evidence); the same set of country actors (US-JP never merges with US-AU;
    AU-US and US-AU do); when there are no countries, the same organisations;
    when both name organisations besides countries, at least one in common;
    amounts, when both are stated, within 1% and in the same currency.
    """
    ka = a if isinstance(a, EventKey) else event_key(a)
    kb = b if isinstance(b, EventKey) else event_key(b)
    # the core rule of extractors.same_event, with the warehouse's actor and date tests
    return same_event(ka, kb, dates=_dates_ok, actors=_actors_ok, extra=lambda x, y: amounts_agree(x, y) is not False)


def _actors_ok(a: EventKey, b: EventKey) -> bool:
    """Across articles, stricter than one shared actor: the same country set; with no
    countries, the same organisations; with both, at least one organisation in common."""
    if a.countries != b.countries:
        return False
    if not a.countries:
        return bool(a.orgs) and a.orgs == b.orgs
    return not (a.orgs and b.orgs and not a.orgs & b.orgs)


def bucket_key(item: Event | Mapping[str, Any]) -> tuple[str, frozenset[str], frozenset[str]]:
    """Events can only merge within one bucket (same type and country set; with no
    countries, same organisations): lets callers index candidates instead of
    comparing every pair."""
    actors = item.actors if isinstance(item, Event) else item.get("actors") or []
    type_ = item.type if isinstance(item, Event) else item["type"]
    countries, orgs = split_actors(actors)
    return type_, countries, frozenset() if countries else orgs


def _score(a: EventKey, b: EventKey) -> tuple[int, int, float]:
    exact = int(a.date == b.date) + int(dates_compatible(a.date, a.precision, b.date, b.precision))
    support = int(bool(amounts_agree(a, b))) + len(a.orgs & b.orgs)
    union = a.commodities | b.commodities
    jaccard = len(a.commodities & b.commodities) / len(union) if union else 0.0
    return exact, support, jaccard


def merge_target(
    event: Event,
    candidates: list[dict[str, Any]],
    *,
    published: date | datetime | None = None,
) -> str | None:
    """The event_id of the stored event this one is a mention of, or None for a new one.

    `candidates` are stored event rows (event_id, type, date, date_precision, actors,
    commodities, amount, currency, date_basis), oldest first; `published` is the
    article's publication time, which tells a real date from the fallback one.
    Among several compatible candidates the closest (exact date, agreeing amount and
    organisations, commodity overlap) wins; ties go to the oldest.
    """
    key = event_key(event, published)
    best: tuple[tuple[int, int, float], str] | None = None
    for cand in candidates:
        ckey = event_key(cand)
        if not event_key_compatible(key, ckey):
            continue
        score = _score(key, ckey)
        if best is None or score > best[0]:
            best = (score, cand["event_id"])
    return best[1] if best else None


def new_event_id(event: Event, founding_mention_id: str) -> str:
    """A stable event id: sha1(type, sorted countries, date bucket, founding mention)[:16].

    The founding mention id is itself deterministic (article, type, offset, nlp
    version), so re-running the same input yields the same ids and no collision
    counter is needed; the id never changes afterwards, even when later mentions
    refine the event's date or actors, so alerts can refer to it.
    """
    countries, _ = split_actors(event.actors)
    prec = date_precision_of(event.date, event.date_precision) or "year"
    bucket = _bucket(event.date, prec) if event.date else "undated"
    raw = "|".join([event.type, ",".join(sorted(countries)), bucket, founding_mention_id])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def mention_id(article_id: str, type_: str, start: int, nlp_version: str) -> str:
    """Deterministic mention id, so a re-run inserts nothing twice."""
    raw = "|".join([article_id, type_, str(start), nlp_version])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def merged_fields(stored: Mapping[str, Any], new: EventKey, new_event: Event) -> dict[str, Any]:
    """The stored event's fields after absorbing one more compatible mention.

    A finer or explicit date replaces a coarser or publication-day one (an earlier
    publication day replaces a later one); organisations
    and commodities accumulate; an amount is filled in when missing.
    """
    out = dict(stored)
    old_rank = _RANK.get(
        date_precision_of(stored.get("date"), stored.get("date_precision")) or "", 3
    )
    new_rank = _RANK.get(new.precision or "", 3)
    old_basis = stored.get("date_basis") or "explicit"
    # Publication days only bound the event from above: the earliest report is closest.
    better = old_basis == "published" and (
        new.basis == "explicit" or (new.date or "") < (stored.get("date") or "")
    )
    if new.date and (new_rank < old_rank or (new_rank == old_rank and better)):
        out["date"], out["date_precision"], out["date_basis"] = new.date, new.precision, new.basis
    actors = list(stored.get("actors") or [])
    seen = {normalize_country(a) or normalize_org(a) for a in actors}
    for actor in new_event.actors:
        norm = normalize_country(actor) or normalize_org(actor)
        if norm and norm not in seen:
            seen.add(norm)
            actors.append(normalize_country(actor) or actor)
    out["actors"] = actors
    commodities = list(stored.get("commodities") or [])
    for c in new_event.commodities:
        if c.strip().lower() not in {x.lower() for x in commodities}:
            commodities.append(c.strip().lower())
    out["commodities"] = commodities
    if stored.get("amount") is None and new_event.amount is not None:
        out["amount"], out["currency"] = new_event.amount, new_event.currency
    return out
