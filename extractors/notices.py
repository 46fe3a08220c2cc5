"""Official notices as a document kind: Federal Register documents, presidential documents,
ministry announcements.

Why a module of its own: a notice does not tell its news the way an article does. A
Federal Register document says who acts in its AGENCY line (or the first words of its
SUMMARY), what it does in its ACTION and SUMMARY ("Commerce is issuing the antidumping
duty order on ..."), and when in its DATES ("Applicable March 3, 2026", "This rule is
effective ..."); a proclamation is signed on "this fourteenth day of January, in the year
of our Lord two thousand twenty-six"; a ministry announcement "shall come into force on"
a date and ends with the ministry's name and the day. The sentence rules read none of
that structure (the verbs are bureaucratic, the actor is an agency's short name, the
date is in another section), so this module reads it and gives the notice's own event:

- the actor is the country the agency or the presidency speaks for (the AGENCY rows of
  models/patterns/entities.jsonl: BIS/Commerce/ITA/USTR -> US, MOFCOM -> CN);
- the type comes from the title, ACTION and SUMMARY, by the rows of
  models/patterns/notices.jsonl (a notice that only assesses, collects information,
  meets or withdraws takes no measure and gives none);
- the date is the effective / applicable date (unless it is later than publication: then
  it is a scheduled phase of an act announced on publication), else the day signed, else
  the day the summary opens with ("On April 22, 2025, the Secretary initiated ..."), else
  publication;
- the commodities are those the title and summary name (no commodity, no event).

`apply` merges the notice's event with the sentence rules' events of the same article:
a sentence event of the same type dated to the publication day is the same act told
without its date and gives way to it. Pure functions over plain text; no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import models
from extractors.dates import find_dates
from extractors.types import Article, Event, Mention

_HEAD_CHARS = 1500  # where a notice's opening section or line must appear


@dataclass
class Notice:
    """The parts of an official notice that say who acts, what they do and when."""

    doc: str  # "federal_register" | "presidential" | "announcement"
    sections: dict[str, str] = field(default_factory=dict)
    country: str | None = None


@lru_cache(maxsize=1)
def _rows() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in models.read_patterns("notices"):
        flags = re.MULTILINE if row["kind"] in ("section", "opening") else re.IGNORECASE
        out.setdefault(row["kind"], []).append({**row, "rx": re.compile(row["pattern"], flags)})
    return out


@lru_cache(maxsize=1)
def _agencies() -> list[tuple[re.Pattern[str], str]]:
    """Agency names (longest first) and the country each speaks for."""
    rows = [r for r in models.read_patterns("entities") if r["label"] == "AGENCY" and r.get("country")]
    rows.sort(key=lambda r: -len(r["pattern"]))
    out = []
    for r in rows:
        p = re.escape(r["pattern"])
        flags = 0 if r["pattern"].isupper() else re.IGNORECASE
        out.append((re.compile(rf"(?<![\w-]){p}(?![\w-])", flags), r["country"]))
    return out


@lru_cache(maxsize=1)
def _commodities() -> list[tuple[re.Pattern[str], str]]:
    """Strong commodity forms (longest first) and their normalised names."""
    rows = [r for r in models.read_patterns("entities") if r["label"] == "COMMODITY" and not r.get("weak")]
    rows.sort(key=lambda r: -len(r["pattern"]))
    out = []
    for r in rows:
        words = re.split(r"[\s-]+", r["pattern"])
        p = r"[\s-]+".join(re.escape(w) for w in words)
        flags = 0 if r["pattern"].isupper() else re.IGNORECASE
        out.append((re.compile(rf"(?<![\w-]){p}(?:e?s)?(?![\w-])", flags), r["id"]))
    return out


def _split_sections(text: str) -> dict[str, str]:
    """Section label -> its text, for the labels of notices.jsonl found at line starts."""
    marks: list[tuple[int, int, str]] = []
    for row in _rows().get("section", []):
        for m in row["rx"].finditer(text):
            marks.append((m.start(), m.end(), row["label"]))
    marks.sort()
    out: dict[str, str] = {}
    for n, (_s, e, label) in enumerate(marks):
        end = marks[n + 1][0] if n + 1 < len(marks) else len(text)
        out.setdefault(label, text[e:end].strip())
    return out


def parse(title: str, text: str) -> Notice | None:
    """The notice structure of a document, or None for an ordinary article.

    >>> parse("Magnets: Order", "AGENCY: International Trade Administration.\\n\\nSUMMARY: x").doc
    'federal_register'
    """
    head = (text or "")[:_HEAD_CHARS]
    for row in _rows().get("opening", []):
        if row["rx"].search(head) or (row["doc"] == "announcement" and row["rx"].search(title or "")):
            return Notice(row["doc"], _split_sections(text), row.get("country"))
    sections = _split_sections(text or "")
    first = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    opens = any(row["rx"].match(first) for row in _rows().get("section", []))
    if opens and ("summary" in sections or "action" in sections):
        return Notice("federal_register", sections)
    return None


def _lead(text: str, chars: int = 400) -> str:
    return (text or "")[:chars]


def acting_country(notice: Notice, title: str, text: str) -> str | None:
    """The country of the agency that issues the notice (AGENCY line, else the opening of
    the summary, else the title, else the whole head of the text)."""
    if notice.country:
        return notice.country
    for where in (notice.sections.get("agency", ""), _lead(notice.sections.get("summary", "")),
                  title, _lead(text, _HEAD_CHARS)):
        best: tuple[int, str] | None = None
        for rx, country in _agencies():
            m = rx.search(where or "")
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), country)
        if best:
            return best[1]
    return None


def notice_type(notice: Notice, title: str, text: str) -> str | None:
    """What the notice does, from its title, ACTION and SUMMARY (None: takes no measure)."""
    s = notice.sections
    what = " ".join(x for x in (title, s.get("action", ""), s.get("summary", "")) if x)
    if notice.doc != "federal_register" or not what.strip():
        what = f"{title} {_lead(text, _HEAD_CHARS)}"
    if any(r["rx"].search(f"{title} {s.get('action', '')}") for r in _rows().get("no_event", [])):
        return None
    for row in _rows().get("type", []):
        if row["rx"].search(what):
            return row["type"]
    return None


def commodities(text: str) -> list[str]:
    """Normalised commodity names named in `text`, in order of first mention."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for rx, cid in _commodities():
        for m in rx.finditer(text or ""):
            if all(m.end() <= a or m.start() >= b for a, b in taken):
                taken.append((m.start(), m.end()))
                found.append((m.start(), cid))
    return list(dict.fromkeys(c for _, c in sorted(found)))


def _effective_date(text: str, pub: date) -> tuple[str, str] | None:
    """The first date that an "effective" / "applicable" / "comes into force" phrase introduces."""
    eff = _rows().get("effective", [])
    if re.search(r"(?:come|comes|came|take|takes) (?:into force|into effect|effect) (?:on|from) the (?:date|day) of (?:its )?(?:publication|promulgation|issuance)", text or "", re.IGNORECASE):
        return pub.isoformat(), "day"
    for m in find_dates(text or "", pub):
        before = (text or "")[max(0, m.start - 60):m.start]
        if any(r["rx"].search(before) for r in eff):
            return m.date, m.precision
    return None


def _signed_date(notice: Notice, text: str, pub: date) -> tuple[str, str] | None:
    """The day a presidential document is signed ("IN WITNESS WHEREOF ... this ... day of")
    or an announcement is dated (its last line, when that line is a date alone)."""
    if notice.doc == "presidential":
        at = (text or "").rfind("IN WITNESS WHEREOF")
        if at >= 0:
            days = [m for m in find_dates(text[at:], pub) if m.precision == "day"]
            if days:
                return days[0].date, "day"
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    for ln in reversed(lines[-3:]):
        ms = find_dates(ln, pub)
        if len(ms) == 1 and ms[0].precision == "day" and len(ln) - len(ms[0].text) <= 3:
            return ms[0].date, "day"
    return None


def _dated_act(summary: str, pub: date) -> tuple[str, str] | None:
    """ "On April 22, 2025, the Secretary of Commerce initiated an investigation ...": the
    summary opens with the day of the act it reports."""
    first = re.split(r"(?<=[.;])\s", (summary or "").strip(), maxsplit=1)[0]
    ms = find_dates(first, pub)
    if not ms or ms[0].start > 4 or ms[0].precision != "day":
        return None
    if any(r["rx"].search(first) for r in _rows().get("act", [])):
        return ms[0].date, "day"
    return None


def event_date(notice: Notice, text: str, pub: date) -> tuple[str, str]:
    """The day of the act: the effective / applicable date when it is not after publication
    (a later one is a scheduled phase of an act announced on publication), else the day
    signed, else the day the summary opens with, else publication."""

    def not_later(got: tuple[str, str] | None) -> tuple[str, str] | None:
        return got if got and got[0][:10] <= pub.isoformat() else None

    summary = notice.sections.get("summary") or ""
    got = (
        not_later(_effective_date(notice.sections.get("dates", ""), pub))
        or _signed_date(notice, text, pub)
        or _dated_act(summary, pub)
        or not_later(_effective_date(summary or text, pub))
    )
    return got or (pub.isoformat(), "day")


def notice_events(article: Article, pub: date) -> list[Event]:
    """The notice's own event (at most one), or [] when the document is no notice, takes no
    measure, names no commodity or no acting country."""
    title, text = article.title or "", article.text or ""
    notice = parse(title, text)
    if notice is None:
        return []
    typ = notice_type(notice, title, text)
    country = acting_country(notice, title, text)
    if typ is None or country is None:
        return []
    about = f"{title}\n{notice.sections.get('action', '')}\n{notice.sections.get('summary', '')}"
    if notice.doc != "federal_register":
        about = f"{title}\n{text[:_HEAD_CHARS]}"
    coms = commodities(about)
    if not coms:
        return []
    day, precision = event_date(notice, text, pub)
    lead = (notice.sections.get("summary") or text).strip().split("\n")[0][:300]
    start = max(0, text.find(lead))
    return [Event(typ, day, precision, [country], coms,  # type: ignore[arg-type]
                  mentions=[Mention(lead, start, start + len(lead), f"{notice.doc}:{typ}")])]


def apply(article: Article, events: list[Event], pub: date | None) -> list[Event]:
    """`events` (the sentence rules') with the notice's own event merged in.

    A sentence event of the notice's type dated to the publication day is the notice's act
    without its date: it gives way to the notice event (its commodities and mentions join it). One of
    the same type on the notice's date already says it: the notice adds its country there.
    """
    if pub is None:
        return events
    extra = notice_events(article, pub)
    if not extra:
        return events
    out = list(events)
    for n in extra:
        same = [e for e in out if e.type == n.type and e.date == n.date]
        if same:
            for e in same:
                if n.actors[0] not in e.actors:
                    e.actors.insert(0, n.actors[0])
            continue
        stale = [e for e in out if e.type == n.type and e.date == pub.isoformat()]
        for e in stale:
            n.commodities += [c for c in e.commodities if c not in n.commodities]
            n.mentions += e.mentions
            out.remove(e)
        out.append(n)
    return out
