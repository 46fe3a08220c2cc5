"""Sentences of an article, with their offsets: regex segmentation, no parse.

Why not spaCy's sentencer: segmentation runs on every relevant article before anything is
parsed (only candidate sentences reach spaCy), so it must be cheap; offsets index
`article.text` (the title gets negative offsets, as if it preceded the text with one
separator). Timeline date lines ("Oct. 9, 2025:") become the date header of the next
line; markup is blanked to spaces of equal length so offsets stay valid.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from extractors.dates import DateMention, date_header
from extractors.events.context import Seg
from extractors.relevance import has_commodity, has_commodity_loose
from extractors.types import Article

MAX_TEXT_CHARS = 200_000  # text beyond this is not read (1 MB pages are furniture)
MAX_SEGMENT_CHARS = 600  # longer "sentences" (no punctuation) are cut into chunks

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "corp",
    "co",
    "ltd",
    "no",
    "vs",
    "gov",
    "sen",
    "rep",
    "gen",
    "prof",
    "jr",
    "sr",
    "u.s",
    "u.k",
    "e.u",
    "u.n",
    "a.m",
    "p.m",
    "etc",
    "e.g",
    "i.e",
    "approx",
    "dept",
    "est",
    "fig",
    "lt",
    "col",
    "capt",
    "adm",
    "sgt",
    "pres",
}
_SENT_END = re.compile(r"[.!?][\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_TAG = re.compile(
    r"<[^<>\n]{0,300}>|&[a-z]{2,6};|&#\d{1,5};|\*\*|\]\([^)\s]{0,400}\)|(?<![\w\]])\[|\]"
)


def _blank_markup(text: str) -> str:
    """Replace tags/entities by spaces of equal length so offsets stay valid."""
    return _TAG.sub(lambda m: " " * len(m.group(0)), text)


_SECTION = re.compile(r"^(?:#+\s|[A-Z][A-Z0-9 ,'’&-]{3,}:)")
_BULLET = re.compile(r"^\s*(?:[-*•–]\s|\d{1,2}[.)]\s|\*\*)")


def _unwrap(text: str, title: str = "") -> str:
    """Undo hard line wrapping (newline -> space, so offsets stay valid).

    A line is joined to the next when it is long (wrapped prose), does not end a
    sentence, and the next line is not a bullet or a date line. A line that repeats
    the headline (pages often open with it) is never joined to the lede.
    """
    lines = text.split("\n")
    head = re.sub(r"\s+", " ", title).strip()
    out = []
    for n, line in enumerate(lines):
        out.append(line)
        if n == len(lines) - 1:
            break
        nxt = lines[n + 1]
        s = line.rstrip()
        if len(s) < 50 or not nxt.strip() or _BULLET.match(nxt) or (head and re.sub(r"\s+", " ", s).strip() == head):
            out.append("\n")
            continue
        last = re.search(r"(\S+)$", s)
        word = last.group(1) if last else ""
        ends = s[-1] in '.!?:;"”’)' and not (
            word.rstrip(".").lower() in _ABBREV or re.fullmatch(r"(?:[A-Z]\.)+", word)
        )
        out.append("\n" if ends else " ")
    return "".join(out)


def _split_sentences(line: str, base: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = 0
    for m in _SENT_END.finditer(line):
        end = m.start() + 1
        prev = re.search(r"([A-Za-z.]+)\.$", line[pos:end])
        if prev and (
            prev.group(1).lower().rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", prev.group(1))
        ):
            continue
        out.append((line[pos:end], base + pos))
        pos = m.end()
    out.append((line[pos:], base + pos))
    res: list[tuple[str, int]] = []
    for s, off in out:
        while len(s) > MAX_SEGMENT_CHARS:
            cut = max(s.rfind("; ", 0, MAX_SEGMENT_CHARS), s.rfind(", ", 0, MAX_SEGMENT_CHARS))
            if cut < MAX_SEGMENT_CHARS // 3:
                cut = s.rfind(" ", 0, MAX_SEGMENT_CHARS)
            if cut <= 0:
                cut = MAX_SEGMENT_CHARS
            res.append((s[: cut + 1], off))
            s, off = s[cut + 1 :], off + cut + 1
        if s.strip():
            res.append((s, off))
    return res


def segment(article: Article) -> list[Seg]:
    """Title plus text sentences with offsets; timeline date lines become headers."""
    pub = pub_date(article)
    segs: list[Seg] = []
    title = _blank_markup(article.title or "")
    if title.strip():
        segs.append(Seg(title, -len(title) - 1, -1, is_title=True, commodity=has_commodity(title)))
    text = _unwrap(_blank_markup((article.text or "")[:MAX_TEXT_CHARS]), title)
    pending: DateMention | None = None
    pos = 0
    section = 0
    head = re.sub(r"\s+", " ", title).strip()
    for n, line in enumerate(text.split("\n")):
        base = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        if head and re.sub(r"\s+", " ", line).strip() == head:
            continue  # the headline repeated atop the body: it is the title segment already
        hdr = date_header(line, pub) if pub is not None and len(line) < 40 else None
        if hdr is not None:
            pending = hdr
            continue
        for s, off in _split_sentences(line, base):
            lead = len(s) - len(s.lstrip())
            body = re.sub(r"\s+", " ", s.strip())
            if _SECTION.match(body):
                section += 1
            seg = Seg(body, off + lead, n, header=pending, commodity=has_commodity_loose(body))
            seg.section = section
            seg.end = off + len(s.rstrip())
            segs.append(seg)
        pending = None
    full = (article.title or "") + "\n" + text
    for seg in segs:
        seg.article_text = full
    return segs



def pub_date(article: Article) -> date | None:
    """Publication day (else the fetch day); None when neither is known."""
    for p in (article.published, article.fetched_at):
        if isinstance(p, datetime):
            return p.date()
        if isinstance(p, date):
            return p
    return None


