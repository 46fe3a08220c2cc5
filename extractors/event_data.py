"""Labelled candidate sentences for the event-type classifier, derived from gold article lines.

Why derived, not hand-labelled: the gold sets annotate events per article, and each
event's `note` usually quotes the phrase that reports it. The sentence holding that
quote (fuzzy: notes elide with "..." and re-spell quotes) is a positive for the
event's type; the candidate sentences of negative articles are the negatives.

Decisions (see README, "Accuracy"):
- optional gold events are positives: they are borderline on date or on the minerals
  link, not on what the sentence reports, and a prediction matching one is neutral in
  scoring, so learning them costs nothing there and helps on the plain cases;
- unlabelled candidate sentences of *positive* articles are left out: news restates
  its event in the headline, the lede and again further down, and only one sentence per
  gold event is found, so calling the rest negatives would teach the model that the
  restatements are not events;
- every candidate sentence of a negative article is a negative (the near misses:
  forecasts, opinions, undated history, other topics).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from extractors.types import EVENT_TYPES

_QUOTE = re.compile(r"([\"'“‘])(.{12,}?)[\"'”’](?=[\s;,.)\]:-]|$)")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the a an of to in on and or for with by at from as is was were be been it its that this "
    "said says will has have had".split()
)
QUOTE_MATCH = 0.7  # share of a quoted fragment's words a sentence must hold
NOTE_MATCH = 0.45  # share of the note's content words, when no quote matches


@dataclass
class LabelledSentence:
    """One training sentence: its text, the types it reports, and where it came from."""

    text: str
    labels: set[str] = field(default_factory=set)
    article: str = ""  # gold article id (for grouping, never read by the model)
    group: str = ""  # outlet group (folds hold out whole groups)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def quoted_fragments(note: str) -> list[list[str]]:
    """Word lists of the phrases a note quotes, split at its ellipses."""
    out = []
    for m in _QUOTE.finditer(note or ""):
        for frag in _ELLIPSIS.split(m.group(2)):
            words = _words(frag)
            if len(words) >= 3:
                out.append(words)
    return out


def _share(needle: list[str], hay: set[str]) -> float:
    return sum(w in hay for w in needle) / len(needle) if needle else 0.0


def locate(note: str, sentences: list[str], candidates: set[int]) -> int | None:
    """Index of the sentence a gold note points at, else None.

    First the sentence holding most of the note's quoted words (every fragment counts);
    failing that, the candidate sentence sharing most of the note's content words.
    """
    bags = [set(_words(s)) for s in sentences]
    frags = quoted_fragments(note)
    if frags:
        best, best_score = None, 0.0
        for i, bag in enumerate(bags):
            sc = sum(_share(f, bag) * len(f) for f in frags) / sum(len(f) for f in frags)
            if sc > best_score:
                best, best_score = i, sc
        if best is not None and best_score >= QUOTE_MATCH:
            return best
    content = [w for w in dict.fromkeys(_words(note)) if w not in _STOP and not w.isdigit()]
    best, best_score = None, 0.0
    for i in sorted(candidates):
        sc = _share(content, bags[i])
        if sc > best_score:
            best, best_score = i, sc
    return best if best is not None and best_score >= NOTE_MATCH else None


def candidate_indices(segs: list[Any], hint) -> set[int]:
    """The sentences a trained type model reads (the event stage's loose candidates: a
    trigger word and a commodity near; `hint`: the extractor's `data.hint`)."""
    from extractors.events import _is_cand

    title_com = any(s.is_title and s.commodity for s in segs)
    return {i for i in range(len(segs)) if _is_cand(segs, i, title_com, hint, loose=True)}


def sentences_of(line: Mapping[str, Any], hint, group: str = "") -> tuple[list[LabelledSentence], int, int]:
    """Labelled sentences of one gold article line; also (events located, events lost)."""
    from extractors.evaluate import article_from_line
    from extractors.events import segment

    art = article_from_line(line)
    segs = segment(art)
    texts = [s.text for s in segs]
    cands = candidate_indices(segs, hint)
    events = line.get("events") or []
    aid = str(line.get("id"))
    if not events:
        return [LabelledSentence(texts[i], set(), aid, group) for i in sorted(cands)], 0, 0
    labels: dict[int, set[str]] = {}
    found = lost = 0
    for ev in events:
        if ev.get("type") not in EVENT_TYPES:
            continue
        i = locate(ev.get("note") or "", texts, cands)
        if i is None:
            lost += 1
            continue
        found += 1
        labels.setdefault(i, set()).add(ev["type"])
    return [LabelledSentence(texts[i], labs, aid, group) for i, labs in sorted(labels.items())], found, lost


def build(
    lines: Iterable[Mapping[str, Any]], hint, groups: Mapping[str, str] | None = None
) -> tuple[list[LabelledSentence], dict[str, int]]:
    """Training sentences of many gold lines, with counts for the report (`hint`: the
    candidate filter of the extractor that parses them)."""
    out: list[LabelledSentence] = []
    stats = {"articles": 0, "events_located": 0, "events_lost": 0, "positives": 0, "negatives": 0}
    for line in lines:
        sents, found, lost = sentences_of(line, hint, (groups or {}).get(str(line.get("id")), ""))
        stats["articles"] += 1
        stats["events_located"] += found
        stats["events_lost"] += lost
        out += sents
    stats["positives"] = sum(1 for s in out if s.labels)
    stats["negatives"] = sum(1 for s in out if not s.labels)
    return out, stats


def default_eval_dir():
    """../shared/eval beside the project checkout (where the gold sets are mounted)."""
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "shared" / "eval"


def gold_files(eval_dir) -> list:
    """The development gold sets: dev.jsonl plus every train/*.jsonl (never the holdout)."""
    from pathlib import Path

    eval_dir = Path(eval_dir)
    files = [eval_dir / "dev.jsonl"] + sorted((eval_dir / "train").glob("*.jsonl"))
    return [f for f in files if f.exists()]


def read_gold(files) -> list[dict]:
    """Lines of the gold files, in file order."""
    from extractors.evaluate import read_jsonl

    return [line for f in files for line in read_jsonl(f)]
