"""`EventExtractor`: the event stage's steps in order, over a batch of articles.

Per batch: the relevance gate (extractors.relevance) drops articles that name no critical
mineral; each kept article is segmented (segmenting) and its candidate sentences chosen
(candidates); the trained type model scores them (type_decision) and they are parsed in
one batch (parsing). Per article, with its state in an `ArticleContext`: rule triggers
(triggers, modality), the type decision, arguments and date (arguments, dating), then
merging into events (merging).

A rule failure on one article is recorded in `EventExtractor.last_errors` (ErrorRecord,
stage "nlp") and that article yields no events; the batch goes on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cached_property

import models
from extractors import notices
from extractors.events import candidates, parsing, segmenting, type_decision
from extractors.events.arguments import fill, short_names, split
from extractors.events.context import ArticleContext, Cand, Seg, StageData
from extractors.events.dating import lede_news
from extractors.events.merging import attach_headline, merge, title_seg_index
from extractors.events.modality import is_future
from extractors.events.rules import WINDOW, load_stage_data
from extractors.events.triggers import anaphoric_controls, find_triggers
from extractors.events.type_decision import decide, reconcile
from extractors.relevance import relevance_hits
from extractors.types import Article, ErrorRecord, Event

# press-release openings: "Today, President ... signed", "Acme Corp. today announced"
_TODAY = re.compile(
    r"(?:^|[:.]\s)\W*Today\b|\btoday (?:announced|signed|said|released|unveiled|launched|met|"
    r"issued|welcomed|hosted|held|approved|awarded|finalized|concluded|reached|entered)\b"
)


class ExtractionError(RuntimeError):
    """The NLP stage cannot run (e.g. no spaCy model); per-article problems never raise."""


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
        if type_model == "shipped":
            from extractors import type_model as tm

            type_model = tm.load() if (tm.MODEL_DIR / tm.DECISION_FILE).exists() else None
        self.data: StageData = load_stage_data(self.nlp, type_model)
        self.last_errors: list[ErrorRecord] = []  # per-article failures of the last extract()
        self.batch_size = 64  # sentences per nlp.pipe batch ([nlp] batch_size)
        self._trained_decision = type_model is not None

    @cached_property
    def nlp_version(self) -> str:
        """What produced this stage's events (models.stage_version): the type decision it was
        built with, the hash of the stage's code, patterns and model files, the base model.
        Computed when first asked (reading and hashing the files costs a quarter second that
        `reewatch extract` never needs)."""
        return models.stage_version(models.model_version(self.nlp), self._trained_decision)

    @property
    def type_model(self):
        """The trained type decision in use (None: rules alone); evaluation swaps it."""
        return self.data.type_model

    @type_model.setter
    def type_model(self, model) -> None:
        self.data.type_model = model

    # ------------------------------------------------------------------ batch
    def extract(self, articles: Sequence[Article]) -> list[list[Event]]:
        """One list of events per article, in input order; deterministic."""
        return self.decide(articles, self.prepare(articles))

    def prepare(
        self, articles: Sequence[Article], full_ner: bool = False, loose: bool | None = None
    ) -> list[list[Seg] | None]:
        """Segment, score (trained type decision) and parse a batch: per article its
        sentences, or None when the relevance gate drops it. `loose` parses every sentence
        with a trigger word, not only those on which a rule may fire (default: when a
        trained type model is in use, since it reads more than the rules); `full_ner` runs
        the statistical NER on every parsed sentence. Both let evaluation re-decide with
        other models or thresholds on one parse."""
        if loose is None:
            loose = self.data.type_model is not None and not type_decision.no_op(self.data.type_model)
        plans: list[list[Seg] | None] = []
        to_parse: list[Seg] = []
        for art in articles:
            hits = relevance_hits(art) if (art.text or art.title) and segmenting.pub_date(art) is not None else 0
            if hits < 1:  # the relevance gate (extractors.relevance.is_relevant), counted once
                # no publication or fetch date: relative dates cannot be resolved, so no events
                plans.append(None)
                continue
            segs = segmenting.segment(art)
            to_parse += candidates.choose(segs, hits, self.data.hint, loose, self.data.meeting_words)
            plans.append(segs)
        type_decision.score_types(self.data, to_parse)
        parsing.parse(self.nlp, self.data, to_parse, [p for p in plans if p is not None], not full_ner, self.batch_size)
        return plans

    def decide(self, articles: Sequence[Article], plans: list[list[Seg] | None]) -> list[list[Event]]:
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

    def _article_events(self, art: Article, segs: list[Seg]) -> list[Event]:
        return article_events(self.data, art, segs)


def article_context(data: StageData, art: Article, segs: list[Seg]) -> ArticleContext:
    """One article's state: publication day, country counts, title, press-release opening,
    the short names of its companies and the lede's news."""
    pub = segmenting.pub_date(art)
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
    ctx = ArticleContext(art, segs, pub, country_counts, title_seg, today_release)
    ctx.short = short_names(data, segs)
    ctx.lede = lede_news(data, segs, pub)
    return ctx


def article_events(data: StageData, art: Article, segs: list[Seg]) -> list[Event]:
    """The events of one prepared (segmented and parsed) article."""
    ctx = article_context(data, art, segs)
    cands: list[Cand] = []
    seg_index = {id(s): n for n, s in enumerate(segs)}
    for i, s in enumerate(segs):
        if s.doc is None or s.is_title:
            continue
        found = find_triggers(data, s)
        have = {(f.type, (f.verb if f.verb is not None else f.trigger).i) for f in found}
        found += [a for a in anaphoric_controls(data, segs, i) if (a.type, a.verb.i) not in have]
        if found:
            ctx.trigger_segs.add(i)
        found = decide(data, s, found)
        if not found:
            continue
        for c in reconcile(found):
            c.today_release = ctx.today_release
            if fill(data, ctx, c, i, ctx.title_seg) and not (c.anaphoric and c.source == "now"):
                cands.extend(split(c))
    stock_at = [seg_index[id(c.seg)] for c in cands if c.type == "stockpile"]
    if stock_at:  # money around a stockpile purchase is the purchase, not an investment
        cands = [
            c for c in cands
            if c.type != "investment" or all(abs(seg_index[id(c.seg)] - j) > WINDOW for j in stock_at)
        ]
    cands = _without_entry_into_force(data, cands)
    events = merge(data, ctx, cands)
    title_seg = ctx.title_seg
    if title_seg is not None and title_seg.doc is not None and events:
        attach_headline(data, ctx, title_seg, title_seg_index(segs), events)
    # an official notice (Federal Register, proclamation, ministry announcement) says who
    # acts, what and when in its structure, not in news sentences: its own event joins
    return notices.apply(art, events, ctx.pub)


def _takes_effect(data: StageData, c: Cand) -> bool:
    """ "the controls went into effect", "the ban took effect", "entered into force"."""
    v = c.verb
    if v is None or v.lemma_.lower() not in data.modality.get("effect_verb", ()):
        return False
    nouns = data.modality.get("effect_noun", ())
    for ch in v.children:
        if ch.dep_ == "dobj" and ch.lemma_.lower() in nouns:
            return True
        if ch.dep_ == "prep" and ch.lower_ in ("into", "in") and any(
            g.dep_ == "pobj" and g.lemma_.lower() in nouns for g in ch.children
        ):
            return True
    return False


def _without_entry_into_force(data: StageData, cands: list[Cand]) -> list[Cand]:
    """A measure's entry into force that the story tells as the scheduled start of a
    measure it reports announced ('On July 3 Beijing announced controls on gallium. The
    controls will come into effect on August 1') or as the time since which something
    holds ('Since the controls went into effect in August 2023, prices have diverged')
    adds no event of its own: the announcement, on or before it, is the event. A start
    told as the news ('the suspension came into effect on Sunday') or told alone stays."""
    effects = [c for c in cands if c.date and _takes_effect(data, c) and (
        is_future(c.verb) or any(ch.dep_ == "mark" and ch.lower_ == "since" for ch in c.verb.children)
    )]
    if not effects:
        return cands
    eff = {id(c) for c in effects}
    drop = set()
    for c in effects:
        for d in cands:
            if id(d) in eff or d.type != c.type or not d.date:
                continue
            if d.date[:7] <= c.date[:7] and (set(d.actors) & set(c.actors) or set(d.commodities) & set(c.commodities)):
                drop.add(id(c))
                break
    return [c for c in cands if id(c) not in drop]
