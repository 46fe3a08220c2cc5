"""The plain records the event stage passes between its steps.

Why explicit records: every step is a function of what it is given - the loaded
vocabularies (`StageData`, built once per extractor), one article's state
(`ArticleContext`, built once per article) and the sentence or candidate at hand - so a
step can be read, tested and changed without knowing what the others left behind.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from extractors.dates import DateMention
from extractors.types import Article

if TYPE_CHECKING:
    from extractors.events.candidates import TriggerHint


@dataclass
class Seg:
    """One sentence (or the title) of an article, with its offsets and, once parsed, its doc."""

    text: str
    start: int
    line: int
    header: DateMention | None = None
    is_title: bool = False
    commodity: bool = False
    doc: Any | None = None
    light: Any | None = None  # tokenizer + entity ruler only, for context sentences
    end: int | None = None  # offset of the sentence end in article.text (start + len if None)
    article_text: str = ""  # title + text of the whole article (for article-level conditions)
    cats: dict[str, float] | None = None  # the trained type decision's scores (None: no model)
    section: int = 0  # newsletter items ("RUNNING OUT OF TIME: ...") and headings start sections


@dataclass
class Rule:
    """One row of models/patterns/triggers.jsonl."""

    type: str
    cue: str
    lemmas: set[str]
    modifiers: set[str] = field(default_factory=set)
    of_modifiers: set[str] = field(default_factory=set)
    not_modifiers: set[str] = field(default_factory=set)  # "a mining licence" is no export licence
    support: set[str] | None = None
    easing_support: set[str] = field(default_factory=set)
    objects: set[str] = field(default_factory=set)
    trade_filter: bool = False
    no_object: bool = False
    subject_actor: bool = False
    not_objects: set[str] = field(default_factory=set)  # "meet standards" is no meeting
    not_subject: set[str] = field(default_factory=set)  # "shares closed lower": a price, not a deal
    article_requires: re.Pattern[str] | None = None  # the article must mention e.g. a forum
    now_precision: str = "day"  # ongoing negotiations are news of the month, not of the day
    states: set[str] = field(default_factory=set)  # "is in talks with X", "talks are well advanced"


@dataclass
class Cand:
    """A trigger in a sentence, filled step by step with its arguments and date."""

    type: str
    trigger: Any  # spaCy Token
    verb: Any | None
    seg: Seg
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
    anaphoric: bool = False  # "the measures": a control named in the sentences before


@dataclass
class StageData:
    """What the rules read, loaded once: trigger rules, modality words, the domain tables."""

    nlp: Any
    ruler: Any  # the domain EntityRuler, for light (unparsed) context sentences
    rules: list[Rule]
    modality: dict[str, set[str]]
    hint: TriggerHint  # the candidate filter (extractors.events.candidates)
    rules_by_word: dict[str, tuple[int, ...]]  # lemma -> its rules, in rule order
    type_lemmas: dict[str, set[str]]
    easing_nouns: set[str]
    agency_country: dict[str, str]
    members: dict[str, list[str]]
    weak: set[str]  # commodity words too vague to license an event alone
    type_model: Any | None = None
    meeting_words: frozenset[str] = frozenset()  # their forms: parsed in every relevant article

    def light_doc(self, text: str) -> Any:
        """Tokenizer plus the domain ruler: entities of a sentence that was not parsed."""
        return self.ruler(self.nlp.make_doc(text))


@dataclass
class ArticleContext:
    """One article's state while its events are decided."""

    article: Article
    segs: list[Seg]
    pub: date
    country_counts: Counter[str]
    title_seg: Seg | None
    today_release: bool
    short: dict[str, str] = field(default_factory=dict)  # "Kestrel" -> "Kestrel Magnetics"
    lede: tuple[str, set[str], int] | None = None  # (day, organisations, last lede index)
    article_weak: set[str] = field(default_factory=set)  # NER-only actors seen so far
    weak_ids: set[str] = field(default_factory=set)  # NER-only actors of the current lookup
    trigger_segs: set[int] = field(default_factory=set)  # sentences (so far) with a trigger of their own
