"""Rare-earth / critical-minerals policy events from article text (rules over a spaCy parse).

Pipeline per batch of articles:

1. relevance gate (extractors.relevance) drops articles that name no critical mineral;
2. regex segmentation into sentences, keeping offsets; timeline date lines
   ("Oct. 9, 2025:") become the date header of the next line; markup is blanked;
3. only *candidate* sentences (a commodity term, or a trigger word next to one)
   are parsed, in one `nlp.pipe` call for the whole batch;
4. trigger rules from models/patterns/triggers.jsonl: a trigger noun must be governed
   by a support verb of its type ("signed a framework", "expanded export controls"),
   a trigger verb needs its object ("curbed exports"); modality, negation and
   conditional clauses (models/patterns/modality.jsonl) veto a trigger;
5. arguments: actors (ISO codes via the entity ruler; agencies add their country,
   groups such as the G7 their members; venues "in Tokyo" are not parties; companies
   and agencies no list holds come from spaCy NER and company-name shapes, see
   models/orgs.py; for agreements, talks and investments the parties are read off the
   parse - subjects, "with X", "X's deal", the recipient and the plant's place - not
   every country the sentence names; a company called by its first word later in the
   article keeps its full name),
   commodities (in the sentence, else within two sentences of the same section for
   talks / agreements / controls, else the headline), money (extractors.money), and
   the date of the trigger's own clause (extractors.dates), else of a governing
   clause, else the timeline header, else the publication day when the clause is
   in the present / perfect tense (or past tense in a "Today, ..." press release);
   events dated only to a year are dropped (FORMAT.md annotates month or better);
6. mentions of one event (same type, compatible date, nested actor sets, no
   conflicting company or amount) merge; a headline restating an event becomes one
   more mention of it, never an event of its own.

Mention offsets index `article.text`. A mention found in the title has negative
offsets: the title is treated as if it preceded the text with one separator, so
title char i has offset i - len(title) - 1.

A rule failure on one article is recorded in `EventExtractor.last_errors`
(ErrorRecord, stage "nlp") and that article yields no events; the batch goes on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import models
from extractors import dating, parties
from extractors.dates import DateMention, date_header, find_dates
from extractors.evaluate import dates_compatible
from extractors.geo import SURFACE_FORMS
from extractors.money import find_money
from extractors.relevance import has_commodity, has_commodity_loose, relevance_hits
from extractors.types import Article, ErrorRecord, Event, Mention
from models.orgs import AGENCY_COUNTRY, NER_ORG

MAX_TEXT_CHARS = 200_000  # text beyond this is not read (1 MB pages are furniture)
MAX_SEGMENT_CHARS = 600  # longer "sentences" (no punctuation) are cut into chunks
MAX_PARSE_CHARS = 40_000  # characters sent to spaCy per article (about 7k words, 2 s)
MAX_CANDIDATES = 300  # parsed sentences per article at most
UNDATED_PAST_IS_NEWS = False
USE_SECTIONS = True
USE_OTHER_CLAUSE_DATES = False  # a date in an unrelated clause of the sentence dates nothing  # an undated past-tense event is taken as the article's news
LEDE = 2  # body sentences that may take the article's topic commodity (talks, agreements)
LEDE_FOLLOW = 4  # body sentences after the lede that still tell the lede's news
WINDOW = 2  # sentences either side in which a commodity term licenses a trigger
ACTOR_LOOKBACK = 3  # earlier sentences that may name an event's parties
STAGED_NER = True  # statistical NER only on sentences near a trigger (see EventExtractor._parse)

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
_TRIGGER_HINT = re.compile(
    r"\b(export|control|curb|ban|restrict|licen[cs]|sign|ink|deal|agree|pact|framework|"
    r"memorand|mou|partnership|accord|invest|loan|financ|fund|stake|equity|plant|refiner|"
    r"facilit|mine\b|tariff|dut(?:y|ies)|investigat|probe|quota|stockpil|reserve|talk|"
    r"negotiat|summit|meet|call|truce|consensus|dialogue|ministerial|order|law|strateg|"
    r"program|polic|rule|fast-track|suspen|lift|eas|exempt|resum|halt|sanction|sign)",
    re.IGNORECASE,
)
# how each type behaves (models/patterns/types.jsonl): data, so a new type needs no code
_TYPE_ROWS = {r["type"]: r for r in models.read_patterns("types")}


def _types_with(flag: str) -> frozenset[str]:
    return frozenset(t for t, r in _TYPE_ROWS.items() if r.get(flag))


_WINDOW_TYPES = _types_with("window")
_GOVERNMENT_TYPES = _types_with("government")
_POLICY_TYPES = _types_with("enacted_purpose")
_PARTY_TYPES = _types_with("parties")
_CONTROL_TYPES = _types_with("on_commodity")
_AMOUNT_TYPES = _types_with("amount")
_NEEDS_AMOUNT = {t: frozenset(r.get("amount_optional", [])) for t, r in _TYPE_ROWS.items() if r.get("needs_amount")}
_FUTURE_AUX = {"will", "'ll", "shall"}
_PRESENT_TAGS = {"VBZ", "VBP"}


class ExtractionError(RuntimeError):
    """The NLP stage cannot run (e.g. no spaCy model); per-article problems never raise."""


@dataclass
class _Seg:
    text: str
    start: int
    line: int
    header: DateMention | None = None
    is_title: bool = False
    commodity: bool = False
    doc: object | None = None
    light: object | None = None  # tokenizer + entity ruler only, for context sentences
    end: int | None = None  # offset of the sentence end in article.text (start + len if None)
    article_text: str = ""  # title + text of the whole article (for article-level conditions)
    cats: dict[str, float] | None = None  # the trained type decision's scores (None: no model)
    section: int = 0  # newsletter items ("RUNNING OUT OF TIME: ...") and headings start sections

    def article_has(self, rx: re.Pattern[str]) -> bool:
        return bool(rx.search(self.article_text))


@dataclass
class _Rule:
    type: str
    cue: str
    lemmas: set[str]
    modifiers: set[str] = field(default_factory=set)
    of_modifiers: set[str] = field(default_factory=set)
    support: set[str] | None = None
    easing_support: set[str] = field(default_factory=set)
    objects: set[str] = field(default_factory=set)
    trade_filter: bool = False
    no_object: bool = False
    subject_actor: bool = False
    article_requires: re.Pattern[str] | None = None  # the article must mention e.g. a forum
    now_precision: str = "day"  # ongoing negotiations are news of the month, not of the day


@dataclass
class _Cand:
    type: str
    trigger: object  # spaCy Token
    verb: object | None
    seg: _Seg
    actors: list[str] = field(default_factory=list)
    commodities: list[str] = field(default_factory=list)
    date: str | None = None
    precision: str | None = None
    amount: float | None = None
    currency: str | None = None
    split_with: list[str] = field(default_factory=list)
    source: str = "explicit"  # explicit | header | now
    today_release: bool = False  # the article opens with "Today, ..." (a press release)
    in_context: bool = False  # the commodity came from neighbouring sentences, not this one
    now_precision: str = "day"
    weak: set[str] = field(default_factory=set)  # actors only the statistical NER vouches for


def _load_rules() -> tuple[list[_Rule], dict[str, set[str]]]:
    from models import read_patterns

    rules = []
    for r in read_patterns("triggers"):
        rules.append(
            _Rule(
                type=r["type"],
                cue=r["cue"],
                lemmas=set(r["lemmas"]),
                modifiers=set(r.get("modifiers", [])),
                of_modifiers=set(r.get("of_modifiers", [])),
                support=set(r["support"]) if "support" in r else None,
                easing_support=set(r.get("easing_support", [])),
                objects=set(r.get("objects", [])),
                trade_filter=bool(r.get("trade_filter")),
                no_object=bool(r.get("no_object")),
                subject_actor=bool(r.get("subject_actor")),
                article_requires=re.compile(r["article_requires"]) if r.get("article_requires") else None,
                now_precision=r.get("now_precision", "day"),
            )
        )
    modality = {r["kind"]: set(r["lemmas"]) for r in read_patterns("modality")}
    return rules, modality


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


def segment(article: Article) -> list[_Seg]:
    """Title plus text sentences with offsets; timeline date lines become headers."""
    pub = _pub_date(article)
    segs: list[_Seg] = []
    title = _blank_markup(article.title or "")
    if title.strip():
        segs.append(_Seg(title, -len(title) - 1, -1, is_title=True, commodity=has_commodity(title)))
    text = _unwrap(_blank_markup((article.text or "")[:MAX_TEXT_CHARS]), title)
    pending: DateMention | None = None
    pos = 0
    section = 0
    for n, line in enumerate(text.split("\n")):
        base = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        if title.strip() and re.sub(r"\s+", " ", line).strip() == re.sub(r"\s+", " ", title).strip():
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
            seg = _Seg(body, off + lead, n, header=pending, commodity=has_commodity_loose(body))
            seg.section = section
            seg.end = off + len(s.rstrip())
            segs.append(seg)
        pending = None
    full = (article.title or "") + "\n" + text
    for seg in segs:
        seg.article_text = full
    return segs


def _pub_date(article: Article) -> date | None:
    """Publication day (else the fetch day); None when neither is known."""
    for p in (article.published, article.fetched_at):
        if isinstance(p, datetime):
            return p.date()
        if isinstance(p, date):
            return p
    return None


_FURNITURE = re.compile(
    r"read more|appeared first on|originally published|read original article|sign up|subscribe|"
    r"newsletter|related:|click here|share this|follow us|all rights reserved|copyright",
    re.IGNORECASE,
)
# a related-article teaser: "Mar 6, 2026 Clean Energy Frontier South African project ..."
_TEASER = re.compile(
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4} [A-Z][a-z]+ [A-Z]"
)


_IRREGULAR = (
    "met", "struck", "held", "began", "begun", "took", "taken", "led", "made", "won", "brought",
    "sought", "came", "went", "gone", "got", "lent", "froze", "frozen", "spoke", "spoken", "set",
    "cut", "put", "hit", "drew", "drawn", "rose", "grew", "bought", "told", "oversaw",
)


def _hint_regex(rules: list[_Rule]) -> re.Pattern[str]:
    """Cheap prefilter built from every trigger lemma (plus irregular verb forms)."""
    stems = set(_IRREGULAR)
    for r in rules:
        for lem in r.lemmas:
            stem = lem[:-1] if len(lem) > 4 and lem.endswith("e") else lem
            stems.add(stem[:-1] if stem.endswith("y") and len(stem) > 4 else stem)
    alts = "|".join(sorted((re.escape(x) for x in stems), key=len, reverse=True))
    return re.compile(rf"\b(?:{alts})", re.IGNORECASE)


def _is_cand(segs: list[_Seg], i: int, title_commodity: bool, hint: re.Pattern[str] = _TRIGGER_HINT) -> bool:
    """Parse a sentence only if it has a trigger word and a commodity term in or near it."""
    s = segs[i]
    if _FURNITURE.search(s.text) or _TEASER.search(s.text):
        return False
    if not hint.search(s.text):
        return False
    if s.commodity:
        return True
    lo, hi = max(0, i - WINDOW), min(len(segs), i + WINDOW + 1)
    return title_commodity or any(x.commodity for x in segs[lo:hi])


class EventExtractor:
    """Find FORMAT.md events in articles. Load once, call `extract` on batches."""

    def __init__(self, nlp=None, type_model: object = "shipped") -> None:
        """`type_model`: "shipped" loads models/event_types/ (the trained type decision;
        rules alone when it is absent), None keeps the rule-only type decision, or a
        loaded extractors.type_model.TypeModel."""
        try:
            self.nlp = nlp if nlp is not None else models.load_nlp()
        except models.ModelNotAvailableError as exc:
            raise ExtractionError(str(exc)) from exc
        if models.RULER_NAME not in self.nlp.pipe_names or models.ORG_NAME not in self.nlp.pipe_names:
            models.add_domain_pipes(self.nlp)
        self.rules, self.modality = _load_rules()
        self.hint = _hint_regex(self.rules)
        self.rules_by_word: dict[str, tuple[int, ...]] = {}  # lemma -> its rules, in rule order
        for n, rule in enumerate(self.rules):
            for lem in rule.lemmas:
                self.rules_by_word[lem] = (*self.rules_by_word.get(lem, ()), n)
        self.ruler = self.nlp.get_pipe(models.RULER_NAME)
        self._type_lemmas: dict[str, set[str]] = {}
        for r in self.rules:
            self._type_lemmas.setdefault(r.type, set()).update(r.lemmas)
        self.easing_nouns = {
            lem for r in self.rules if r.type == "export_control_easing" and r.cue == "noun"
            for lem in r.lemmas
        }
        self.agency_country = models.agency_countries()
        self.members = models.group_members()
        _AGENCIES.update(self.agency_country)
        self.weak = models.weak_commodity_patterns()
        self.last_errors: list[ErrorRecord] = []  # per-article failures of the last extract()
        self.batch_size = 64  # sentences per nlp.pipe batch ([nlp] batch_size)
        if type_model == "shipped":
            from extractors import type_model as tm

            type_model = tm.load() if (tm.MODEL_DIR / tm.DECISION_FILE).exists() else None
        self.type_model = type_model
        decision = "rules" if type_model is None else "typecls"  # the hash covers the model files
        self.nlp_version = f"{decision}-{models.patterns_hash()}/{models.model_version(self.nlp)}"

    # ------------------------------------------------------------------ batch
    def extract(self, articles: Sequence[Article]) -> list[list[Event]]:
        """One list of events per article, in input order; deterministic."""
        return self.decide(articles, self.prepare(articles))

    def prepare(self, articles: Sequence[Article], full_ner: bool = False) -> list[list[_Seg] | None]:
        """Segment, score (trained type decision) and parse a batch: per article its
        sentences, or None when the relevance gate drops it. `full_ner` runs the statistical
        NER on every parsed sentence (same entities; lets evaluation re-decide with other
        models or thresholds on one parse)."""
        plans: list[list[_Seg] | None] = []
        to_parse: list[_Seg] = []
        for art in articles:
            hits = relevance_hits(art) if (art.text or art.title) and _pub_date(art) is not None else 0
            if hits < 1:  # the relevance gate (extractors.relevance.is_relevant), counted once
                # no publication or fetch date: relative dates cannot be resolved, so no events
                plans.append(None)
                continue
            segs = segment(art)
            title_com = any(s.is_title and s.commodity for s in segs)
            lede = {n for n, x in enumerate(segs) if not x.is_title}
            lede = set(sorted(lede)[:LEDE]) if hits >= 3 else set()
            chosen = [
                s for i, s in enumerate(segs)
                if s.is_title or _is_cand(segs, i, title_com, self.hint)
                or (i in lede and self.hint.search(s.text) and not _FURNITURE.search(s.text))
            ]
            if all(s.is_title for s in chosen):
                # events come only from body sentences (a headline merely joins one), so an
                # article whose only candidate is its title yields none: skip its parse
                chosen = []
            budget = MAX_PARSE_CHARS
            for seg in chosen[:MAX_CANDIDATES]:
                budget -= len(seg.text)
                if budget < 0:
                    break
                to_parse.append(seg)
            plans.append(segs)
        self._score_types(to_parse)
        self._parse(to_parse, [p for p in plans if p is not None], full_ner)
        return plans

    def decide(self, articles: Sequence[Article], plans: list[list[_Seg] | None]) -> list[list[Event]]:
        """Events of prepared articles (the rules over the parse, with the type decision)."""
        out: list[list[Event]] = []
        self.last_errors = []
        for art, segs in zip(articles, plans, strict=True):
            if segs is None:
                out.append([])
                continue
            try:
                out.append(self._article_events(art, segs))
            except Exception as exc:  # noqa: BLE001 - one article's rule bug must not sink the batch
                out.append([])
                self.last_errors.append(
                    ErrorRecord(
                        stage="nlp",
                        url=art.url,
                        kind="rule_error",
                        message=f"event rules failed on article {art.id}: {type(exc).__name__}: {exc}",
                        transient=False,
                    )
                )
        return out

    def _score_types(self, segs: list[_Seg]) -> None:
        """The trained type decision's scores for every body sentence to be parsed."""
        tm = self.type_model
        for s in segs:
            s.cats = None
        if tm is None:
            return
        body = [s for s in segs if not s.is_title]
        for s, cats in zip(body, tm.scores([s.text for s in body]), strict=True):
            s.cats = cats

    def _model_says(self, seg: _Seg) -> bool:
        """The classifier alone finds an event type in this sentence."""
        tm = self.type_model
        return tm is not None and seg.cats is not None and max(seg.cats.values()) >= tm.threshold

    def _decide(self, seg: _Seg, found: list[_Cand]) -> list[_Cand]:
        """The type decision: which events a sentence reports.

        Rule-only (no model): the rule triggers as found. With the trained model: a rule
        trigger stands when the model gives its type at least the keep threshold; a type
        the model gives the full threshold and no rule trigger found is read off the
        sentence's most plausible trigger word (any trigger lemma of the type, else the
        main verb), so its arguments, date, modality and negation still come from the
        parse.
        """
        tm = self.type_model
        if tm is None or seg.cats is None:
            return found
        cats = seg.cats
        kept = [c for c in found if cats.get(c.type, 0.0) >= tm.keep_threshold]
        have = {c.type for c in kept}
        for typ in sorted(cats, key=lambda t: -cats[t]):
            if cats[typ] < tm.threshold or typ in have:
                continue
            c = self._loose_trigger(seg, typ)
            if c is not None:
                kept.append(c)
                have.add(typ)
        return kept

    def _loose_trigger(self, seg: _Seg, typ: str) -> _Cand | None:
        """A trigger for a type the model gives the sentence: the first token whose lemma a
        rule of that type lists (its support verb or governor as the clause), else the root
        verb; None when modality, negation or a conditional vetoes it."""
        doc = seg.doc
        lemmas = self._type_lemmas.get(typ, set())
        picks = [t for t in doc if t.lemma_.lower() in lemmas and t.pos_ in ("VERB", "NOUN", "PROPN")]
        picks += [t for t in doc if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX")]
        for tok in picks:
            verb = tok if tok.pos_ in ("VERB", "AUX") else (_governor(tok) or tok)
            if not self._vetoed(tok, verb, typ):
                return _Cand(typ, tok, verb, seg)
        return None

    def _parse(self, to_parse: list[_Seg], plans: list[list[_Seg]], full_ner: bool = False) -> None:
        """Parse the candidate sentences; run the statistical NER only where it can matter.

        Why: NER is over half of spaCy's time, and most candidate sentences hold no trigger.
        Stage one runs everything but NER (the parse and the domain ruler); a sentence whose
        NER-less parse shows a trigger, the three sentences before it (where its parties may be
        named), the lede and the title then get NER (ner does not read the parse, so running it
        afterwards gives the same entities as the full pipeline); other sentences keep their
        ruler and company-shape entities only.
        """
        if not to_parse:
            return
        nlp = self.nlp
        if full_ner or not STAGED_NER or "ner" not in nlp.pipe_names:
            for seg, doc in zip(to_parse, nlp.pipe([s.text for s in to_parse], batch_size=self.batch_size), strict=True):
                seg.doc = doc
            return
        ner, org = nlp.get_pipe("ner"), nlp.get_pipe(models.ORG_NAME)
        first = [n for n in nlp.pipe_names if n not in ("ner", models.ORG_NAME)]
        with nlp.select_pipes(enable=first):
            bare = dict(zip(map(id, to_parse), nlp.pipe([s.text for s in to_parse], batch_size=self.batch_size), strict=True))
        wanted: list[_Seg] = []
        for segs in plans:
            want: set[int] = set()
            body = [n for n, s in enumerate(segs) if not s.is_title]
            want.update(body[:LEDE])
            for n, s in enumerate(segs):
                doc = bare.get(id(s))
                if doc is None:
                    continue
                s.doc = org(doc.copy())  # the probe: what the rules see without NER
                if s.is_title:
                    want.add(n)
                elif self._model_says(s) or self._triggers(s):
                    want.update(range(max(0, n - ACTOR_LOOKBACK), n + 1))
            wanted += [segs[n] for n in sorted(want) if id(segs[n]) in bare]
        for seg, doc in zip(wanted, ner.pipe([bare[id(s)] for s in wanted], batch_size=self.batch_size), strict=True):
            seg.doc = org(doc)

    # ---------------------------------------------------------------- article
    def _article_events(self, art: Article, segs: list[_Seg]) -> list[Event]:
        pub = _pub_date(art)
        self._pub = pub  # officials resolve to their countries by the article's date
        self._segs = segs
        self._article_weak: set[str] = set()
        self._weak_ids: set[str] = set()
        country_counts: Counter[str] = Counter()
        for s in segs:
            if s.doc is not None:
                for e in s.doc.ents:
                    if e.label_ == "GPE":
                        country_counts[e.ent_id_] += 1
        title_seg = next((s for s in segs if s.is_title), None)
        body = [s for s in segs if not s.is_title][:5]
        today_release = any(_TODAY.search(s.text) for s in body) or any(
            re.search(r"\btoday\b", s.text, re.IGNORECASE) for s in body[:2]
        )
        self._short = self._short_names(segs)
        self._lede = self._lede_news(segs, pub)
        cands: list[_Cand] = []
        seg_index = {id(s): n for n, s in enumerate(segs)}
        for i, s in enumerate(segs):
            if s.doc is None or s.is_title:
                continue
            found = self._decide(s, self._triggers(s))
            if not found:
                continue
            for c in found:
                if c.type == "industrial_policy" and c.trigger.lemma_.lower() in _DECREES and any(
                    t.lemma_.lower() == "import" for t in c.trigger.doc
                ):
                    c.type = "trade_measure"
            types = {c.type for c in found}
            if "stockpile" in types:
                found = [c for c in found if c.type != "investment"]
            found = [c for c in found if c.type != "investment" or not _not_an_investment(c, types)]
            if "export_control_easing" in types:
                easing_verbs = {c.verb.i for c in found if c.type == "export_control_easing" and c.verb is not None}
                found = [
                    c for c in found
                    if not (c.type == "export_control" and c.verb is not None and c.verb.i in easing_verbs)
                ]
            if types & {"export_control", "export_control_easing", "trade_measure"}:
                found = [c for c in found if c.type != "industrial_policy"]
            for c in found:
                c.today_release = today_release
                if self._fill(c, segs, i, title_seg, country_counts, pub):
                    cands.extend(self._split(c))
        stock_at = [seg_index[id(c.seg)] for c in cands if c.type == "stockpile"]
        if stock_at:  # money around a stockpile purchase is the purchase, not an investment
            cands = [
                c for c in cands
                if c.type != "investment" or all(abs(seg_index[id(c.seg)] - j) > WINDOW for j in stock_at)
            ]
        events = self._merge(cands)
        if title_seg is not None and title_seg.doc is not None and events:
            self._attach_headline(title_seg, segs, title_seg_index(segs), country_counts, pub, events)
        return events

    def _short_names(self, segs: list[_Seg]) -> dict[str, str]:
        """First word -> full name of the article's companies ("Kestrel" -> "Kestrel Magnetics"):
        after the first mention, news calls a company by its first word."""
        full: dict[str, set[str]] = {}
        for s in segs:
            if s.doc is None:
                continue
            for e in s.doc.ents:
                if e.label_ == "COMPANY" and len(e) >= 2 and e.ent_id_ not in self.members and not parties.is_not_party(e.ent_id_):
                    first = e[0].text
                    if first[:1].isupper() and not first.isupper() and first.lower() not in ("the", "china"):
                        full.setdefault(first, set()).add(e.ent_id_)
        return {k: next(iter(v)) for k, v in full.items() if len(v) == 1 and k not in _COUNTRY_WORDS}

    def _lede_news(self, segs: list[_Seg], pub: date) -> tuple[str, set[str], int] | None:
        """The day and the organisations of the article's news, when the lede dates it
        ("Acme said on Wednesday it would build ..."): (date, organisations, last lede index)."""
        body = [(n, s) for n, s in enumerate(segs) if not s.is_title][:LEDE]
        for _n, s in body:
            if s.doc is None:
                continue
            days = [d for d in find_dates(s.text, pub, False) if d.precision == "day"]
            days = [d for d in days if 0 <= (pub - date.fromisoformat(d.date)).days <= 3]
            orgs = {
                e.ent_id_ for e in s.doc.ents
                if e.label_ in ("COMPANY", NER_ORG) or (e.label_ == "AGENCY" and e.ent_id_ not in self.members)
            }
            if days and orgs:
                return days[0].date, orgs, body[-1][0]
        return None

    def _lede_dated(self, c: _Cand, i: int) -> bool:
        """An undated past-tense deal or investment of the lede's own company, told a few
        sentences after the lede ("To feed it, Acme signed a supply agreement with ..."),
        happened on the lede's day: news stories unfold one announcement."""
        lede = self._lede
        if lede is None or c.type not in ("agreement", "investment"):
            return False
        day, orgs, last = lede
        head = c.verb if c.verb is not None else c.trigger
        if head.tag_ != "VBD" or not (last < i <= last + LEDE_FOLLOW):
            return False
        if not orgs & set(c.actors):
            return False
        c.date, c.precision, c.source = day, "day", "explicit"
        return True

    def _in_lede(self, segs: list[_Seg], i: int) -> bool:
        """The first two body sentences: what the whole article is about."""
        body = [n for n, s in enumerate(segs) if not s.is_title][:LEDE]
        return i in body

    def _article_commodities(self, segs: list[_Seg]) -> list[str]:
        """Strong commodities named at least twice in the article (its topic)."""
        counts: Counter[str] = Counter()
        for s in segs:
            if s.doc is not None:
                counts.update(
                    list(dict.fromkeys(
                        e.ent_id_ for e in s.doc.ents
                        if e.label_ == "COMMODITY" and e.text.lower() not in self.weak
                    ))
                )
        return [c for c, n in counts.most_common(3) if n >= 2]

    def _attach_headline(self, seg, segs, i, country_counts, pub, events: list[Event]) -> None:
        """A headline restating a body event becomes one more mention of it (never a new event)."""
        for c in self._triggers(seg):
            if not self._fill(c, segs, i, None, country_counts, pub):
                continue
            for ev in events:
                if ev.type != c.type or not _mergeable(ev, c, c.weak | self._article_weak):
                    continue
                same_day = dates_compatible(
                    {"date": ev.date, "date_precision": ev.date_precision},
                    {"date": c.date, "date_precision": c.precision},
                )
                if same_day or c.source == "now":
                    ev.mentions.insert(0, _mention(c))
                    break

    # --------------------------------------------------------------- triggers
    def _triggers(self, seg: _Seg) -> list[_Cand]:
        doc = seg.doc
        out: list[_Cand] = []
        seen: set[tuple[str, int]] = set()
        by_word = self.rules_by_word
        for tok in doc:
            lem, low = tok.lemma_.lower(), tok.lower_
            hits = by_word.get(lem, ()) if lem == low else sorted({*by_word.get(lem, ()), *by_word.get(low, ())})
            for n in hits:
                rule = self.rules[n]
                if rule.article_requires is not None and not seg.article_has(rule.article_requires):
                    continue
                self._support_used = None
                typ = self._match_rule(rule, tok)
                if typ is None:
                    continue
                verb = tok if rule.cue == "verb" else (self._support_used or _governor(tok))
                if self._vetoed(tok, verb, typ):
                    continue
                key = (typ, verb.i if verb is not None else tok.i)
                if key in seen:
                    continue
                seen.add(key)
                out.append(_Cand(typ, tok, verb, seg, now_precision=rule.now_precision))
                if typ == "export_control_easing" and rule.type == "export_control":
                    # "suspend the controls it announced on Oct. 9": the eased measure is
                    # itself an event, dated by its own relative clause
                    for rel in _dated_relative(tok, rule.support):
                        if not self._vetoed(tok, rel, "export_control") and ("export_control", rel.i) not in seen:
                            seen.add(("export_control", rel.i))
                            out.append(_Cand("export_control", tok, rel, seg))
        return out

    def _match_rule(self, rule: _Rule, tok) -> str | None:
        if rule.cue == "verb":
            if tok.pos_ not in ("VERB",):
                return None
            if rule.objects and not _has_object(tok, rule.objects):
                return None
            if rule.subject_actor and not _actor_subject(tok):
                return None
            if rule.no_object and (
                tok.tag_ != "VBN"
                or any(c.dep_ in ("dobj", "nsubjpass", "nsubj", "conj") for c in tok.children)
            ):
                return None
            return rule.type
        if tok.pos_ not in ("NOUN", "PROPN"):
            return None
        if rule.modifiers and not self._modified(tok, rule.modifiers):
            gov = _governor(tok)
            if not ("@COMMODITY" in rule.modifiers and gov is not None and any(
                t.ent_type_ == "COMMODITY" and t.lower_ not in self.weak for t in gov.subtree
            ) and any(t.lemma_.lower() in ("export", "exports", "licence", "license", "licensing") for t in tok.doc)):
                return None
        if rule.of_modifiers and not _of_modified(tok, rule.of_modifiers):
            return None
        if rule.trade_filter and not _trade_ok(tok):
            return None
        if rule.support is None:
            return rule.type
        verbs = _support_verbs(tok)
        if rule.easing_support and self._under_easing_noun(tok):
            return "export_control_easing"
        for v in verbs:
            if rule.easing_support and v.lemma_.lower() in rule.easing_support:
                self._support_used = v
                return "export_control_easing"
        for v in verbs:
            if v.lemma_.lower() in rule.support:
                if _stative_agent(tok, v):
                    continue
                self._support_used = v
                if rule.type == "talks" and _at_event(tok):
                    return None
                if rule.type == "agreement" and _financing_compound(tok):
                    return "investment"
                return rule.type
        return None

    def _under_easing_noun(self, tok) -> bool:
        """ "suspension of export controls": the control noun hangs under an easing nominal."""
        cur = tok
        for _ in range(3):
            if cur.head.i == cur.i:
                return False
            cur = cur.head
            if cur.pos_ == "VERB":
                return False
            if cur.lemma_.lower() in self.easing_nouns:
                return True
        return False

    def _modified(self, tok, mods: set[str]) -> bool:
        want_com = "@COMMODITY" in mods
        if "@STRONG_COMMODITY" in mods and any(
            t.ent_type_ == "COMMODITY" and t.lower_ not in self.weak and t.lower_ not in ("mineral", "minerals")
            for c in tok.children if c.dep_ in ("acl", "prep", "relcl", "compound", "amod")
            for t in c.subtree
        ):
            return True
        for c in tok.children:
            if c.lemma_.lower() in mods or c.lower_ in mods:
                return True
            if want_com and c.ent_type_ == "COMMODITY":
                return True
        doc = tok.doc
        for j in range(max(0, tok.i - 3), tok.i):
            if doc[j].lemma_.lower() in mods or doc[j].lower_ in mods:
                return True
            if want_com and doc[j].ent_type_ == "COMMODITY" and doc[j].ent_iob_:
                return True
        for c in tok.children:
            if (c.dep_ == "prep" and c.lower_ in ("on", "of", "to", "for")) or (want_com and c.dep_ == "acl"):
                for t in c.subtree:
                    if t.lemma_.lower() in mods or t.lower_ in mods:
                        return True
                    if want_com and t.ent_type_ == "COMMODITY":
                        return True
        return False

    def _vetoed(self, tok, verb, typ: str = "") -> bool:
        """Modality, negation, conditionals and questions veto a trigger."""
        modal, hyp = self.modality["modal"], self.modality["hypothetical_head"]
        neg, marker = self.modality["negation"], self.modality["marker"]
        for t in (tok, verb):
            if t is None:
                continue
            for c in t.children:
                if c.dep_ in ("aux", "auxpass") and c.lemma_.lower() in modal:
                    if c.lower_ == "would" and _reported(t):
                        continue  # "said it would suspend": reported decision, not a hypothesis
                    return True
                if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ in neg):
                    return True
                if c.dep_ == "mark" and c.lower_ in marker:
                    return True
        cur = verb if verb is not None else tok
        for _ in range(4):
            if cur.dep_ in (
                "xcomp",
                "ccomp",
                "advcl",
                "pcomp",
                "acomp",
                "dobj",
                "pobj",
                "prep",
                "conj",
                "relcl",
                "acl",
                "auxpass",
                "attr",
            ):
                head = cur.head
                if head.lemma_.lower() in hyp and head.i != cur.i:
                    if cur.dep_ != "conj":
                        return True
                for c in head.children:
                    if (
                        c.dep_ in ("aux",)
                        and c.lemma_.lower() in modal
                        and cur.dep_ in ("xcomp", "conj")
                    ):
                        return True
                    if c.dep_ == "neg" and cur.dep_ in ("xcomp", "ccomp"):
                        return True
                    if c.dep_ == "mark" and c.lower_ in marker and cur.dep_ in ("xcomp", "conj"):
                        return True
                cur = head
            else:
                break
        v = verb if verb is not None else tok
        for t in (tok, verb):
            if t is not None and t.pos_ == "VERB" and t.tag_ == "VBG" and t.dep_ in ("pcomp", "pobj", "csubj"):
                if t.head.lower_ in ("in", "by", "of", "for", "to", "on"):
                    return True
        nouns = [tok] if tok.pos_ != "VERB" else [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        if any(_aggregate(n) for n in nouns):
            return True  # "160 minerals deals", "several agreements": a tally, not an event
        if v.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children):
            gov = next((a for a in v.ancestors if a.pos_ == "VERB"), v.head)
            enacted = (typ in _POLICY_TYPES and gov.lemma_.lower() in _ENACT) or (
                v.head.lemma_.lower() in _TRAVEL  # "flew to Washington to ink the deal"
            )
            purpose = v.dep_ in ("acl", "advcl", "relcl") or (
                v.dep_ == "xcomp" and (v.head.pos_ == "NOUN" or v.head.lemma_.lower() not in _XCOMP_OK)
            )
            if purpose and not enacted:
                return True
        sent = tok.sent.text.rstrip()
        return sent.endswith("?")

    # -------------------------------------------------------------- arguments
    def _ents(
        self, seg: _Seg, skip_venues: bool = False, only: set[int] | None = None
    ) -> tuple[list[str], list[str]]:
        """Actors and commodities of a sentence; `only`: token indices an actor must touch."""
        actors: list[str] = []
        coms: list[str] = []
        strong = False
        doc = seg.doc
        if doc is None:
            doc = seg.light = seg.light or self.ruler(self.nlp.make_doc(seg.text))
        for e in doc.ents:
            eid = e.ent_id_ or e.text
            if only is not None and e.label_ != "COMMODITY" and not any(t.i in only for t in e):
                continue
            if e.label_ == "GPE":
                if skip_venues and _is_venue(e):
                    continue
                actors.append(eid)
            elif e.label_ == "LEADER":
                code = parties.official_country(eid, getattr(self, "_pub", None))
                if code:  # an official stands for the country they serve on the article's date
                    actors.append(code)
            elif e.label_ == "AGENCY":
                code = self.agency_country.get(eid) or doc.user_data.get(AGENCY_COUNTRY, {}).get(
                    (e.start_char, e.end_char)
                )
                if code:
                    actors.append(code)
                if (not code and not parties.is_not_party(eid)) or parties.is_lender(eid):
                    actors.append(eid)  # a ministry stands for its country; a state lender is a party too
            elif e.label_ in ("COMPANY", "ORG"):
                if parties.is_not_party(eid):
                    continue
                members = self.members.get(eid, [])
                if not members:
                    actors.append(eid)
                actors.extend(members)  # "the G7": its members are the parties
            elif e.label_ == NER_ORG:
                if parties.is_not_party(eid):
                    continue
                actors.append(eid)
                self._weak_ids.add(eid)
            elif e.label_ == "COMMODITY":
                if e.text.lower() not in self.weak:
                    strong = True
                coms.append(eid)
        short = getattr(self, "_short", {})
        for t in doc if short else ():
            # "Kestrel signed ...": a company named earlier in the article by its first word
            if t.text in short and (t.ent_type_ in ("", "PERSON", "PLACE", NER_ORG)) and (only is None or t.i in only):
                nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
                if nxt is None or not nxt.text[:1].isupper():
                    self._weak_ids.discard(t.text)
                    actors = [a for a in actors if a != t.text]
                    actors.append(short[t.text])
        if not strong:
            coms = [c for c in coms if c in ("critical minerals",)] if coms else []
        return list(dict.fromkeys(actors)), list(dict.fromkeys(coms))

    def _fill(self, c: _Cand, segs, i, title_seg, country_counts, pub) -> bool:
        seg = c.seg
        self._weak_ids = set()
        actors, coms = self._ents(seg, skip_venues=c.type != "investment")
        if coms and c.type in _CONTROL_TYPES and _object_elsewhere(c.trigger, c.verb):
            return False  # "export controls on chips, while rare earth stocks rallied"
        c.in_context = not coms
        if not coms and (c.type in _WINDOW_TYPES or seg.header is not None):
            if c.type in ("talks", "agreement") and (
                _other_topic(c.trigger) or (c.verb is not None and _purpose_elsewhere(c.verb))
            ):
                return False
            same = [
                x
                for x in segs[max(0, i - WINDOW) : i + WINDOW + 1]
                if not x.is_title and (x.section == seg.section or not USE_SECTIONS)
            ]
            for x in same:
                coms += self._ents(x)[1]

            if not coms and c.type in ("talks", "agreement", "investment") and title_seg is not None:
                coms = self._ents(title_seg)[1] if title_seg.commodity else []
            if not coms and c.type == "talks" and self._in_lede(segs, i):
                coms = self._article_commodities(segs)
            if c.type == "investment" and not self._names_organisation(seg):
                coms = []  # a context-licensed investment needs a named investor or recipient
        if not coms:
            return False
        if (
            c.type == "trade_measure"
            and c.trigger.lemma_.lower() not in ("order", "proclamation", "determination")
            and not any(
                t.ent_type_ == "COMMODITY"
                for t in list(c.trigger.subtree)
                + list(c.trigger.doc[c.trigger.i + 1 : c.trigger.i + 8])
            )
        ):
            return False
        if c.type in _GOVERNMENT_TYPES:
            actors = self._government_actors(c, segs, i, title_seg, country_counts)
        elif actors and seg.header is None and c.type in ("export_control", "export_control_easing") and not _has_subject_actor(c):
            prev = next((x for x in reversed(segs[max(0, i - 1) : i]) if not x.is_title), None)
            if prev is not None:
                actors = list(dict.fromkeys(actors + [a for a in self._ents(prev, True)[0] if len(a) == 2]))
        if c.type in _PARTY_TYPES:
            # the parties are the signers: subjects, "with X", "X's deal" - not every country
            # the sentence names ("to reduce reliance on China", "as Chinese negotiators met")
            roles, subj = _role_tokens(c)
            if roles:
                before = set(self._weak_ids)
                core = self._ents(seg, skip_venues=True, only=roles)[0]
                by_subject = self._ents(seg, skip_venues=True, only=subj)[0] if subj else []
                sure = [a for a in core if a not in self._weak_ids or a in before]
                if len(sure) >= 2 or (sure and any(a in sure for a in by_subject)):
                    actors = core
                named = self._anaphor_parties(seg, segs, i, roles)
                if named:  # "the two leaders signed ...": the parties named before
                    actors = list(dict.fromkeys(named + (core if sure else [])))
        weak = set(self._weak_ids)  # organisations only the statistical NER vouches for
        c.weak = weak
        self._article_weak |= weak
        if c.type in _GOVERNMENT_TYPES:
            pass  # the acting government is settled above
        elif not [a for a in actors if a not in weak]:
            # no sure party in the sentence: the nearest earlier sentence (or the headline) that names one
            found: list[str] = []
            for x in reversed(segs[max(0, i - ACTOR_LOOKBACK) : i]):
                if not x.is_title:
                    found = [a for a in self._ents(x)[0] if a not in self._weak_ids]
                    if found:
                        break
            if not found and title_seg is not None:
                found = [a for a in self._ents(title_seg)[0] if a not in self._weak_ids]
            actors = list(dict.fromkeys(actors + found))
        strong = [a for a in actors if a not in weak]
        top = country_counts.most_common(1)[0][0] if country_counts else None
        if top and c.type not in _GOVERNMENT_TYPES and not strong:
            actors = list(dict.fromkeys(actors + [top]))
        if not actors:
            return False
        if c.type in _GOVERNMENT_TYPES and not any(len(a) == 2 and a.isupper() for a in actors):
            return False  # FORMAT.md: these are acts of a government
        c.actors = actors
        c.commodities = list(dict.fromkeys(coms))
        if not self._date(c, pub) and not self._lede_dated(c, i):
            return False
        if c.type in _AMOUNT_TYPES:
            money = [m for m in find_money(seg.text) if not _PAREN.search(seg.text[: m.start])]
            if money:
                tpos = c.trigger.idx
                best = min(money, key=lambda m: abs(m.start - tpos))
                c.amount, c.currency = best.amount, best.currency
        if c.type in _NEEDS_AMOUNT and c.amount is None and c.trigger.lemma_.lower() not in _NEEDS_AMOUNT[c.type]:
            return False
        if c.precision == "year":
            return False  # FORMAT.md: events are annotated only when dated to the month
        c.split_with = self._split_targets(c)
        return True

    def _names_organisation(self, seg: _Seg) -> bool:
        """The sentence names an agency, a company or another organisation (not a group)."""
        doc = seg.doc if seg.doc is not None else seg.light
        return doc is not None and any(
            e.label_ == "AGENCY" or (e.label_ in ("COMPANY", "ORG", NER_ORG) and (e.ent_id_ or e.text) not in self.members
                                     and not parties.is_not_party(e.ent_id_ or e.text))
            for e in doc.ents
        )

    def _government_actors(self, c: _Cand, segs, i, title_seg, country_counts) -> list[str]:
        """Who takes a measure: the government acting in the trigger's clause (subject,
        possessor, modifier, agent), else a country the sentence names outside a target
        phrase ("curbs on exports to the US"), else the one acting in the sentences before,
        else the article's most-named country. Companies are not parties of a measure."""
        def gov(seg, only) -> list[str]:
            return parties.government_parties(self._ents(seg, True, only=only)[0], self.agency_country)

        seg = c.seg
        acting = parties.acting_tokens(c.trigger, c.verb)
        found = gov(seg, acting) if acting else []
        if not found and acting and self._ents(seg, True, only=acting)[0]:
            return []  # "the African Union adopted a strategy": someone else acts, not a government
        if not found and acting:
            found = self._agency_named_nearby(seg, segs, i, acting)
        if not found:
            found = gov(seg, set(range(len(seg.doc))) - parties.target_tokens(seg.doc))
        if not found and seg.header is None:
            for x in reversed(segs[max(0, i - 1) : i]):
                if not x.is_title:
                    doc = x.doc if x.doc is not None else None
                    found = gov(x, None if doc is None else set(range(len(doc))) - parties.target_tokens(doc))
        if not found and country_counts:
            found = [country_counts.most_common(1)[0][0]]
        if not found and title_seg is not None and title_seg.doc is not None:
            found = gov(title_seg, None)
        return found

    def _agency_named_nearby(self, seg: _Seg, segs, i, acting: set[int]) -> list[str]:
        """ "The department set duties ...": the country of the department the article names
        nearby (before, else just after: ledes often name it in the next sentence)."""
        nouns = {
            t.lower_ for t in seg.doc
            if t.i in acting and not t.ent_type_ and t.pos_ == "NOUN"
            and parties.anaphor(f"the {t.lower_}") == "single"
            and any(ch.dep_ == "det" and ch.lower_ == "the" for ch in t.children)
        }
        if not nouns:
            return []
        near = [*reversed(segs[max(0, i - ACTOR_LOOKBACK) : i]), *segs[i + 1 : i + 1 + ACTOR_LOOKBACK]]
        for x in near:
            if x.is_title:
                continue
            doc = x.doc if x.doc is not None else (x.light or self.ruler(self.nlp.make_doc(x.text)))
            x.light = x.light if x.doc is not None else doc
            for e in doc.ents:
                if e.label_ == "AGENCY" and nouns & {t.lower_ for t in e}:
                    code = self.agency_country.get(e.ent_id_) or doc.user_data.get(AGENCY_COUNTRY, {}).get(
                        (e.start_char, e.end_char)
                    )
                    if code:
                        return [code]
        return []

    def _anaphor_parties(self, seg: _Seg, segs, i, roles: set[int]) -> list[str]:
        """ "The two leaders signed ...", "both sides agreed", "the ministry said": the parties
        named before the phrase (earlier in the sentence, else in the sentences before)."""
        doc = seg.doc
        for t in doc:
            if t.i not in roles or t.pos_ not in ("NOUN", "PROPN", "PRON", "NUM", "DET") or t.ent_type_:
                continue
            if any(ch.dep_ in ("compound", "poss", "nmod") for ch in t.children):
                continue  # "the Trump administration", "China's ministry": named, not referring back
            mods = [ch for ch in t.children if ch.dep_ in ("det", "predet", "nummod", "amod", "quantmod")]
            words = sorted([t, *mods], key=lambda x: x.i)
            if not mods or words[-1].i != t.i:
                continue
            kind = parties.anaphor(" ".join(w.text for w in words))
            if kind is None:
                continue
            before = [a for a in self._ents(seg, True, only=set(range(words[0].i)))[0] if a not in self._weak_ids]
            earlier: list[str] = []
            for x in reversed(segs[max(0, i - ACTOR_LOOKBACK) : i]):
                if x.is_title:
                    continue
                got = [a for a in self._ents(x, True)[0] if a not in self._weak_ids]
                earlier = list(dict.fromkeys(got + earlier))
                if (kind == "plural" and len(earlier) >= 2) or (kind == "single" and earlier):
                    break
            if kind == "plural":
                named = before if len(before) >= 2 else list(dict.fromkeys(before + earlier))
                return named if len(named) >= 2 else []
            # the nearest one named in the sentence; else the first one (the subject, in
            # English order) of the sentence before: "Mexico's minister visited Seoul. The ministry ..."
            named = before[::-1] or earlier
            countries = [a for a in named if parties.is_country(a)]
            return countries[:1] if countries else named[:1]
        return []

    def _earlier_day(self, seg: _Seg, pub: date) -> str | None:
        """The last day-precise date of the (up to three) sentences before `seg`."""
        segs = self._segs
        i = next((n for n, x in enumerate(segs) if x is seg), None)
        for x in reversed(segs[max(0, (i or 0) - ACTOR_LOOKBACK) : i or 0]):
            if x.is_title:
                continue
            days = [d for d in find_dates(x.text, pub, False) if d.precision == "day"]
            if days:
                return days[-1].date
        return None

    def _date(self, c: _Cand, pub: date) -> bool:
        """The date of the trigger's own clause, else a higher clause's, else the timeline
        header, else any date in the sentence, else the publication day for 'now' clauses."""
        seg, verb = c.seg, c.verb
        head = verb if verb is not None else c.trigger
        future = _is_future(head)
        found = [d for d in find_dates(seg.text, pub, future) if not _SINCE.search(seg.text[: d.start])]
        other_tense = {(d.start, d.end): d for d in find_dates(seg.text, pub, not future)}
        doc = c.trigger.doc
        tpos = c.trigger.idx
        own, higher, other = [], [], []
        ancestors = {t.i for t in head.ancestors}
        for d in found:
            span = doc.char_span(d.start, d.end, alignment_mode="expand")
            if span is None or len(span) == 0:
                other.append(d)
                continue
            owner = _owner_verb(span[0], c.trigger)
            if owner is not None and owner.pos_ == "VERB" and _is_future(owner) != future:
                d = other_tense.get((d.start, d.end), d)  # "will create ..., it said on Monday"
            elif future and _SAID_ON.search(seg.text[: d.start]):
                d = other_tense.get((d.start, d.end), d)  # "said on Monday it will invest"
            if owner is None or owner.i == head.i or owner.i == c.trigger.i:
                own.append(d)
            elif owner.i in ancestors or (
                owner.dep_ == "xcomp" and owner.tag_ == "VBG" and owner.head.i in ancestors
            ):  # "opened bidding on Monday to buy ... for the stockpile"
                higher.append(d)
            else:
                other.append(d)
        for group in (own, higher):
            if group:
                best = min(group, key=lambda d: (abs(d.start - tpos), d.start))
                c.date, c.precision = best.date, best.precision
                return True
        if seg.header is not None:
            c.date, c.precision = seg.header.date, seg.header.precision
            c.source = "header"
            return True
        if dating.refers_to_earlier_date(seg.text):
            earlier = self._earlier_day(seg, pub)
            if earlier is not None:
                c.date, c.precision, c.source = earlier, "day", "explicit"
                return True
        if _is_now(head, allow_will=c.type == "investment") and not dating.habitual(head):
            c.date, c.precision = pub.isoformat(), "day"
            if c.now_precision == "month":
                c.date, c.precision = pub.isoformat()[:7], "month"
            c.source = "now"
            return True
        if other and USE_OTHER_CLAUSE_DATES:
            best = min(other, key=lambda d: (abs(d.start - tpos), d.start))
            c.date, c.precision = best.date, best.precision
            return True
        if (UNDATED_PAST_IS_NEWS or c.today_release) and head.tag_ in ("VBD", "VBN"):
            c.date, c.precision, c.source = pub.isoformat(), "day", "now"
            return True
        return False

    def _split_targets(self, c: _Cand) -> list[str]:
        """Plural agreements "with Malaysia and Thailand" are one event per counterparty."""
        if c.type != "agreement" or c.trigger.tag_ not in ("NNS", "NNPS"):
            return []
        targets: list[str] = []
        preps = list(c.trigger.subtree)
        if c.verb is not None and c.verb.i != c.trigger.i:
            preps += [ch for ch in c.verb.children if ch.dep_ == "prep"]
        for t in preps:
            if t.dep_ == "prep" and t.lower_ == "with":
                for x in t.subtree:
                    if x.ent_type_ == "GPE" and x.ent_iob_ == "B":
                        targets.append(x.ent_id_)
        return list(dict.fromkeys(targets)) if len(set(targets)) > 1 else []

    def _split(self, c: _Cand) -> list[_Cand]:
        if not c.split_with:
            return [c]
        base = [a for a in c.actors if a not in c.split_with]
        out = []
        for t in c.split_with:
            out.append(
                _Cand(
                    c.type,
                    c.trigger,
                    c.verb,
                    c.seg,
                    base + [t],
                    c.commodities,
                    c.date,
                    c.precision,
                    c.amount,
                    c.currency,
                )
            )
        return out

    # ------------------------------------------------------------------ merge
    def _merge(self, cands: list[_Cand]) -> list[Event]:
        events: list[Event] = []
        sources: dict[int, str] = {}
        for c in cands:
            m = _mention(c)
            new = {"type": c.type, "date": c.date, "date_precision": c.precision}
            target = None
            for ev in events:
                if ev.type != c.type:
                    continue
                if not dates_compatible(
                    {"date": ev.date, "date_precision": ev.date_precision}, new
                ):
                    continue
                if _mergeable(ev, c, c.weak | self._article_weak):
                    target = ev
                    break
            if target is None:
                made = Event(c.type, c.date, c.precision, list(c.actors), list(c.commodities),
                             c.amount, c.currency, [m], confidence=_confidence(c))
                events.append(made)
                sources[id(made)] = c.source
                continue
            target.mentions.append(m)
            target.confidence = max(target.confidence, _confidence(c))
            target.actors = list(dict.fromkeys(target.actors + c.actors))
            target.commodities = list(dict.fromkeys(target.commodities + c.commodities))
            src = sources[id(target)]
            better = (c.source != "now" and src == "now") or (
                (c.source == "now") == (src == "now") and _RANK[c.precision] < _RANK[target.date_precision]
            )
            if better:
                target.date, target.date_precision = c.date, c.precision
                sources[id(target)] = c.source
            if target.amount is None and c.amount is not None:
                target.amount, target.currency = c.amount, c.currency
        return events


_RANK = {"day": 0, "month": 1, "year": 2, None: 3}


def _confidence(c: _Cand) -> float:
    """Rough rule confidence: lower when the commodity or the date came from context."""
    score = 0.95
    if c.in_context:
        score -= 0.2
    if c.source in ("now", "header"):
        score -= 0.1 if c.source == "now" else 0.0
    return round(score, 2)


def _mention(c: _Cand) -> Mention:
    seg = c.seg
    return Mention(
        sentence=seg.text,
        start=seg.start,
        end=seg.end if seg.end is not None else seg.start + len(seg.text),
        trigger=c.trigger.text if c.verb is None else f"{c.verb.text}/{c.trigger.text}",
    )


def title_seg_index(segs: list[_Seg]) -> int:
    return next((n for n, s in enumerate(segs) if s.is_title), 0)


def _mergeable(ev: Event, c: _Cand, weak: set[str] | frozenset[str] = frozenset()) -> bool:
    """Same real-world event? Nested country sets, no conflicting company or amount."""
    if ev.amount is not None and c.amount is not None:
        if abs(ev.amount - c.amount) > 0.01 * max(ev.amount, c.amount) or ev.currency != c.currency:
            return False
    ca = {x for x in ev.actors if len(x) == 2 and x.isupper()}
    cb = {x for x in c.actors if len(x) == 2 and x.isupper()}
    oa, ob = set(ev.actors) - ca, set(c.actors) - cb
    comp_a = {x for x in oa if x not in _AGENCIES and x not in weak}  # NER guesses never block
    comp_b = {x for x in ob if x not in _AGENCIES and x not in weak}
    if comp_a and comp_b and not comp_a & comp_b:
        return False
    if ca and cb:
        return ca <= cb or cb <= ca or len(ca & cb) * 2 >= len(ca | cb)
    return bool(set(ev.actors) & set(c.actors))


_AGENCIES: set[str] = set()


# ---------------------------------------------------------------- parse helpers
def _governor(tok):
    """The verb that governs a trigger noun (through prepositions, compounds, conjuncts)."""
    cur = tok
    for _ in range(6):
        if cur.dep_ == "ROOT" or cur.head.i == cur.i:
            return cur if cur.pos_ in ("VERB", "AUX") else None
        cur = cur.head
        if cur.pos_ in ("VERB", "AUX"):
            return cur
    return None


def _support_verbs(tok) -> list:
    """Verbs that could make a trigger noun an event: its governor and its relative clauses."""
    verbs = []
    g = _governor(tok)
    if g is not None:
        verbs.append(g)
        subjects = [c for c in g.children if c.dep_ in ("nsubj", "nsubjpass")]
        inherit = (g.dep_ == "conj" and not subjects) or (
            g.dep_ in ("xcomp", "ccomp") and all(c.i == tok.i for c in subjects)
        )
        if inherit and g.head.pos_ == "VERB":
            verbs.append(g.head)
        for c in g.children:
            if c.dep_ == "prt":
                pass
    for c in tok.children:
        if c.dep_ in ("relcl", "acl") and c.pos_ == "VERB":
            verbs.append(c)
    for c in tok.head.children if tok.dep_ in ("compound", "conj") else []:
        if c.dep_ in ("relcl", "acl") and c.pos_ == "VERB":
            verbs.append(c)
    return verbs


_PEOPLE = {
    "leader", "official", "negotiator", "minister", "president", "delegation", "side",
    "team", "counterpart", "representative", "envoy", "secretary", "government", "country",
    "nation", "chancellor", "premier", "diplomat", "ministry", "department",
}


_VENUE_PREPS = {"in", "at"}
# press-release openings: "Today, President ... signed", "Acme Corp. today announced"
_TODAY = re.compile(
    r"(?:^|[:.]\s)\W*Today\b|\btoday (?:announced|signed|said|released|unveiled|launched|met|"
    r"issued|welcomed|hosted|held|approved|awarded|finalized|concluded|reached|entered)\b"
)
_PAREN = re.compile(r"[(;]\s*$")  # "A$1.2bn (£580m)": the converted figure is not the amount
_ONGOING = {"begin", "start", "continue", "keep"}
_TRAVEL = {"fly", "travel", "head", "arrive", "visit", "go", "come", "gather", "convene"}
_DECREES = {"order", "proclamation", "determination"}
_ENACT = {
    "sign", "issue", "adopt", "order", "direct", "announce", "approve", "unveil", "publish",
    # "opened bidding to replenish the stockpile": the act that carries out the purpose
    "open", "launch", "award", "begin", "start", "allocate", "earmark", "spend",
}
_XCOMP_OK = {
    "agree", "decide", "pledge", "vow", "promise", "begin", "start", "continue", "commit", "move",
    "set", "schedule", "due", "go", "be", "have", "need", "announce", "aim", "act", "vote",
    "choose", "elect", "opt", "resolve", "confirm", "say", "help", "seek", "try", "intend",
}
_SINCE = re.compile(
    r"\b(?:since|until|till|through|by|ahead of|before|deadline of)\s+(?:the\s+|a\s+)?"
    r"(?:early\s+|late\s+|mid-?)?$",
    re.IGNORECASE,
)


def _is_venue(ent) -> bool:
    """ "signed in Tokyo", "talks in London": a place where it happened, not a party."""
    root = ent.root
    if ent.text.lower() in ("u.s.", "us", "china", "america", "united states"):
        return False
    head = root.head
    if root.dep_ == "pobj" and head.lower_ in _VENUE_PREPS:
        return True
    if root.dep_ in ("appos", "conj", "npadvmod") and head.ent_type_ == "GPE":
        return _is_venue_token(head)
    return False


def _is_venue_token(tok) -> bool:
    return tok.dep_ == "pobj" and tok.head.lower_ in _VENUE_PREPS


def _has_subject_actor(c) -> bool:
    v = c.verb if c.verb is not None else c.trigger
    for ch in v.children:
        if ch.dep_ == "nsubj":
            return any(t.ent_type_ in ("GPE", "LEADER", "AGENCY") for t in ch.subtree)
    return False


def _actor_subject(verb) -> bool:
    """Meetings and negotiations need parties: a country, leader or official as subject."""
    for c in verb.children:
        if c.dep_ in ("nsubj", "nsubjpass"):
            for t in c.subtree:
                if t.ent_type_ in ("GPE", "LEADER", "AGENCY", "ORG") or t.lemma_.lower() in _PEOPLE:
                    return True
        if c.dep_ == "prep" and c.lower_ == "with":
            for t in c.subtree:
                if t.ent_type_ in ("GPE", "LEADER", "AGENCY", "ORG"):
                    return True
    if verb.dep_ in ("xcomp", "conj") and verb.head.pos_ == "VERB":
        return _actor_subject(verb.head)
    return False


def _has_object(verb, objects: set[str]) -> bool:
    """The verb's own object (or the object of its preposition) is one of `objects`."""
    if not objects:
        return True
    heads = []
    for c in verb.children:
        if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd", "npadvmod", "advmod", "xcomp"):
            heads.append(c)
        elif c.dep_ in ("prep", "prt"):
            heads.extend(x for x in c.children if x.dep_ == "pobj")
            if c.dep_ == "prt":
                heads.extend(x for x in verb.children if x.dep_ == "dobj")
    if "@MONEY" in objects:
        return any(_is_money(t) for h in heads for t in h.subtree)
    for h in heads:
        for t in [h, *[x for x in h.children if x.dep_ in ("compound", "conj", "amod")]]:
            if t.lemma_.lower() in objects or t.lower_ in objects:
                return True
    return False


def _of_modified(tok, mods: set[str]) -> bool:
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in ("of", "on", "to", "for"):
            for t in c.subtree:
                if t.lemma_.lower() in mods or t.lower_ in mods:
                    return True
        if c.dep_ == "compound" and (c.lemma_.lower() in mods or c.lower_ in mods):
            return True
    return False


_AGREE_VERBS = {"agree", "sign", "ink", "seal", "strike", "conclude", "reach", "finalize", "finalise"}


_MONTH_WORD = re.compile(
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?$|^\d{1,2}$", re.IGNORECASE
)


def _dated_relative(tok, support: set[str]) -> list:
    """Past-tense relative clauses on a measure noun that impose it and carry a date
    ("the restrictions that it announced on Oct. 9", "controls imposed in April")."""
    out = []
    for ch in tok.subtree:  # the clause may hang on the last conjunct ("... and technologies that")
        if ch.dep_ in ("relcl", "acl") and ch.pos_ == "VERB" and ch.tag_ in ("VBD", "VBN"):
            if ch.lemma_.lower() in support and any(
                t.dep_ == "pobj" and t.head.lower_ in ("on", "in") and _MONTH_WORD.match(t.text)
                for t in ch.subtree
            ):
                out.append(ch)
    return out


def _stative_agent(tok, verb) -> bool:
    """ "dysprosium, which is covered by export licensing": the measure as the agent of a
    present-tense passive describes a standing state, not a new act."""
    return (
        tok.dep_ == "pobj" and tok.head.dep_ == "agent" and tok.head.head.i == verb.i
        and any(c.dep_ == "auxpass" and c.tag_ in ("VBZ", "VBP") for c in verb.children)
    )


_MONEY_PREPS = {"in", "into", "to", "for", "toward", "towards", "at", "near"}
_PLACE_PREPS = {"in", "at", "near"}
_COUNTRY_WORDS = {w for form in SURFACE_FORMS for w in form.split()}
_ROLE_PREPS = {"with", "between", "among"}
_CORE_DEPS = {"conj", "compound", "poss", "appos", "amod", "nmod", "cc", "det", "case", "punct", "nummod"}


def _core_tokens(head) -> list:
    """A party phrase without its clauses: the head, conjuncts, compounds, possessors,
    appositions and "of"/"from" phrases ("negotiators from Washington and Beijing")."""
    out, stack = [head], [head]
    while stack:
        x = stack.pop()
        for ch in x.children:
            if ch.dep_ in _CORE_DEPS or (ch.dep_ == "prep" and ch.lower_ in ("of", "from")):
                out.append(ch)
                stack.append(ch)
            elif ch.dep_ == "pobj" and x.dep_ == "prep" and x.lower_ in ("of", "from"):
                out.append(ch)
                stack.append(ch)
    return out


def _subjects(v, depth: int = 0) -> list:
    """Subjects of a verb; "X said it had signed": the pronoun stands for the speaker."""
    subs = [ch for ch in v.children if ch.dep_ in ("nsubj", "nsubjpass")]
    if (
        subs and all(x.tag_ == "PRP" for x in subs) and v.dep_ == "ccomp"
        and v.head.lemma_.lower() in _REPORT and depth < 3
    ):
        return _subjects(v.head, depth + 1)
    for ch in v.children:
        if ch.dep_ == "agent":
            subs += [x for x in ch.children if x.dep_ == "pobj"]
    if not subs and v.dep_ in ("xcomp", "conj", "advcl") and v.head.pos_ in ("VERB", "AUX") and depth < 3:
        return _subjects(v.head, depth + 1)
    return subs


def _role_tokens(c: _Cand) -> tuple[set[int], set[int]]:
    """Token indices of the trigger's parties (subject, "with"/"between" objects, the
    noun's possessors and compounds) and, of those, the subject's."""
    trig = c.trigger
    verb = c.verb if c.verb is not None else trig
    while trig.dep_ == "compound" and trig.head.i != trig.i:
        trig = trig.head  # "an offtake agreement with X": the phrase is headed by "agreement"
    heads = []
    subs = _subjects(verb) if verb.pos_ in ("VERB", "AUX") else []
    subj_idx = {t.i for h in subs for t in _core_tokens(h)}
    heads += subs
    preps = [ch for ch in verb.children if ch.dep_ == "prep"]
    if trig.i != verb.i:  # "a memorandum on exploration with South Korea"
        clause = {t.i for ch in trig.children if ch.dep_ in ("relcl", "acl") for t in ch.subtree}
        preps += [t for t in trig.subtree if t.dep_ == "prep" and t.i not in clause]
    for ch in preps:
        if ch.lower_ in _ROLE_PREPS:
            heads += [p for p in ch.children if p.dep_ == "pobj"]
    if verb.pos_ == "VERB":  # "met Xi", "held US-China talks"
        heads += [ch for ch in verb.children if ch.dep_ == "dobj"]
    if c.type == "investment":
        # the investor (subject), the recipient ("lend $X to Acme", "invest in Acme") and
        # where the plant is ("a refinery in Finland"), not where its ore comes from
        owners = [verb, *(ch for ch in verb.children if ch.dep_ == "dobj")]  # "$300m to Acme"
        objs = [p for o in owners for ch in o.children
                if ch.dep_ in ("prep", "dative") and ch.lower_ in _MONEY_PREPS
                for p in ch.children if p.dep_ == "pobj"]
        if trig.i != verb.i:
            objs.append(trig)
        for o in list(objs):
            objs += [p for ch in o.children if ch.dep_ == "prep" and ch.lower_ in _PLACE_PREPS
                     for p in ch.children if p.dep_ == "pobj"]
        heads += objs
    if trig.pos_ in ("NOUN", "PROPN"):
        heads += [ch for ch in trig.children if ch.dep_ in ("poss", "compound", "amod", "nmod")]
    idx = {t.i for h in heads for t in _core_tokens(h)}
    return idx, subj_idx


def _not_an_investment(c: _Cand, types: set[str]) -> bool:
    """Money words that describe something else than a new investment:

    - a participle hanging off a signed deal ("signed a framework ..., committing $8.5bn",
      "with each pledging $1bn"): the terms of the agreement, not a separate event;
    - a reduced relative describing a party ("a start-up backed by two carmakers");
    - money set aside for a commodity ("$500m is earmarked for cobalt"): a purchase.
    """
    v = c.verb if c.verb is not None else c.trigger
    if v.pos_ != "VERB":
        return False
    if v.tag_ == "VBG" and v.dep_ != "ROOT" and (
        "agreement" in types or any(a.lemma_.lower() in _AGREE_VERBS for a in v.ancestors)
    ):
        return True
    if v.dep_ == "acl" and v.tag_ == "VBN":
        return True
    for ch in v.children:
        if ch.dep_ == "prep" and ch.lower_ == "for":
            objs = [x for x in ch.children if x.dep_ == "pobj"]
            if objs and all(x.ent_type_ == "COMMODITY" for x in objs):
                return True
    return False


def _trade_ok(tok) -> bool:
    lem = tok.lemma_.lower()
    if lem in ("probe", "investigation", "inquiry"):
        window = tok.doc.text.lower()
        return any(k in window for k in ("import", "232", "dumping", "national security"))
    if lem in ("import", "quota"):
        return False
    return True


def _is_future(v) -> bool:
    for c in v.children:
        if c.dep_ in ("aux", "auxpass") and c.lower_ in _FUTURE_AUX:
            return True
    if v.dep_ == "xcomp" and v.head.lemma_.lower() in (
        "schedule",
        "set",
        "due",
        "plan",
        "expect",
        "go",
    ):
        return True
    for c in v.children:
        if c.lower_ in ("scheduled", "due", "set") and c.dep_ in ("acomp", "xcomp", "advcl"):
            return True
    return False


def _is_now(v, allow_will: bool = False, depth: int = 0) -> bool:
    """Present or present perfect (and "will" for announcements of investments): the
    event is news of the publication day."""
    if v.tag_ == "VBG" and v.dep_ == "xcomp" and v.head.lemma_.lower() in _ONGOING:
        return False  # "has begun issuing licences": an ongoing process, not the day's news
    if any(c.dep_ == "advmod" and c.lower_ == "since" for c in v.children):
        return False  # "has since replaced": some time after an earlier event, not today
    if v.tag_ in _PRESENT_TAGS:
        return True
    ok = {"has", "have", "is", "are", "am", "'s", "'re"} | ({"will", "'ll"} if allow_will else set())
    for c in v.children:
        if c.dep_ in ("aux", "auxpass") and c.lower_ in ok:
            return True
    if v.dep_ in ("xcomp", "conj") and v.head.pos_ in ("VERB", "AUX") and depth < 3:
        return _is_now(v.head, allow_will, depth + 1)
    return False


def _at_event(tok) -> bool:
    """ "At the G20 summit, China launched ...": the meeting is the setting of another event."""
    h = tok.head
    return tok.dep_ == "pobj" and h.lower_ in ("at", "during", "on", "ahead", "before", "after", "amid", "under")


def _financing_compound(tok) -> bool:
    """ "a loan agreement", "financing deal": an agreement that is an investment."""
    return any(
        c.dep_ in ("compound", "amod") and c.lemma_.lower() in ("loan", "financing", "funding", "investment", "debt", "equity")
        for c in tok.children
    )


def _other_topic(tok) -> bool:
    """ "a deal to build nuclear reactors", "talks to address the drought": the trigger names
    its own subject and it is not a mineral (used when only the context window has one)."""
    for c in tok.children:
        topical = (c.dep_ == "prep" and c.lower_ in _TOPIC_PREPS and not _dateish(c)) or (
            c.dep_ in ("acl", "relcl") and any(x.dep_ == "aux" and x.lower_ == "to" for x in c.children)
        )
        if topical:
            sub = list(c.subtree)
            if len(sub) > 2 and not any(t.ent_type_ == "COMMODITY" for t in sub):
                return True
    return False


_TOPIC_PREPS = {"on", "about", "over", "concerning", "regarding", "covering"}
_DATE_WORD = re.compile(
    r"\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"june|july|august|september|october|november|december|day|week|month|year|margins|sidelines",
    re.IGNORECASE,
)


def _dateish(prep) -> bool:
    """ "on October 30", "on the sidelines of": a time or setting, not a topic."""
    return any(_DATE_WORD.search(t.text) or t.ent_type_ == "GPE" for t in prep.subtree)


def _purpose_elsewhere(verb) -> bool:
    """ "began talks to address the drought": the governing verb's purpose clause has no mineral."""
    for c in verb.children:
        if c.dep_ in ("advcl", "xcomp") and any(x.dep_ == "aux" and x.lower_ == "to" for x in c.children):
            if not any(t.ent_type_ == "COMMODITY" for t in c.subtree):
                return True
    return False


# "said on Monday (that) it will ...": the date is the statement's, in the past
_SAID_ON = re.compile(
    r"\b(?:said|announced|told \w+|stated|confirmed|disclosed|reported)\s+(?:on\s+|late\s+|early\s+)?$",
    re.IGNORECASE,
)
_REPORT = {"say", "announce", "confirm", "state", "tell", "add", "note", "declare", "decide", "agree"}


def _reported(verb) -> bool:
    return verb.dep_ == "ccomp" and verb.head.lemma_.lower() in _REPORT and not any(
        c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in verb.children
    )


def _is_money(tok) -> bool:
    """A token of a money figure: "$", "A$", "million" next to a currency, "yuan"."""
    t = tok.lower_
    if t.endswith("$") or t in ("€", "£", "¥", "yuan", "euros", "yen", "rmb", "dollars"):
        return True
    return t in ("million", "billion", "bn", "m") and any(x.lower_.endswith("$") for x in tok.subtree)


def _aggregate(noun) -> bool:
    kids = [*noun.children, *(g for c in noun.children if c.dep_ == "compound" for g in c.children)]
    for ch in kids:
        if ch.dep_ == "nummod" and noun.tag_ in ("NNS", "NNPS") and ch.like_num and (
            3 <= _num(ch.text) < 1900 or _num(ch.text) > 2100
        ):
            return True
        if ch.dep_ == "amod" and ch.lower_ in ("several", "many", "numerous", "various", "multiple"):
            return True
    return False




def _object_elsewhere(tok, verb=None) -> bool:
    """The measure names what it covers ("controls on chips") and that is no mineral."""
    if tok.pos_ not in ("NOUN", "PROPN"):
        return False
    preps = list(tok.children)
    if verb is not None:  # "slapped controls on chips": the parser hangs "on" on the verb
        preps += [c for c in verb.children if c.i == tok.right_edge.i + 1]
    for c in preps:
        if c.dep_ == "prep" and c.lower_ in ("on", "over", "against") and not _dateish(c):
            sub = [t for t in c.subtree if t.i != c.i]
            if sub and not any(
                t.ent_type_ in ("COMMODITY", "GPE") or t.lemma_.lower() in ("export", "import", "good", "material", "item", "product", "technology")
                for t in sub
            ):
                return True
    return False


def _num(text: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 3.0 if text.lower() in ("dozens", "hundreds", "scores") else 0.0


def _owner_verb(tok, trigger):
    """First verb above a date token (the clause the date belongs to); the trigger counts."""
    cur = tok
    for _ in range(8):
        if cur.i == trigger.i:
            return cur
        if cur.pos_ in ("VERB", "AUX") and cur.i != tok.i:
            return cur
        if cur.head.i == cur.i:
            return cur if cur.pos_ in ("VERB", "AUX") else None
        cur = cur.head
    return None


def _clause_span(v) -> tuple[int, int]:
    toks = list(v.subtree)
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)
