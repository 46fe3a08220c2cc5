"""Which sentences are worth parsing: words some trigger rule needs, and a commodity near.

Why: spaCy is the stage's cost, and most sentences of a relevant article report nothing.
A rule can fire only where its trigger word appears in some inflected form together with
the words it demands (a support verb, a modifier, an object), so `TriggerHint` looks for
exactly that, with plain set lookups over the sentence's words; page furniture and
related-article teasers are never candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from extractors.alternation import compile_words
from extractors.events.context import Rule, Seg
from extractors.events.rules import LEDE, SUPPORT_NOUNS, TYPE_ROWS, WINDOW

MAX_PARSE_CHARS = 40_000  # characters sent to spaCy per article (about 7k words, 2 s)
MAX_CANDIDATES = 300  # parsed sentences per article at most

_FURNITURE = compile_words(
    ["read more", "appeared first on", "originally published", "read original article", "sign up", "subscribe",
     "newsletter", "related:", "click here", "share this", "follow us", "all rights reserved", "copyright"],
    True,
)
# a source list or citation: "Sources: ...", "Notes: ...", '... Billion”, Reuters, 6 September 2023'
_CITATION = re.compile(
    r"^\W*(?:sources?|notes?|references?|bibliography|further reading)\s*:"
    r"|[”\"],\s*[A-Z][\w.&' -]{1,40},\s*(?:\d{1,2} [A-Z][a-z]+|[A-Z][a-z]+ \d{1,2},?) \d{4}",
    re.IGNORECASE,
)
# a related-article teaser: "Mar 6, 2026 Clean Energy Frontier South African project ..."
_TEASER = re.compile(
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4} [A-Z][a-z]+ [A-Z]"
)
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


@dataclass(frozen=True)
class Inflector:
    """A lemma's surface forms: the inverse of spaCy's rule lemmatizer (its suffix rules and
    its exception table), so "met", "struck", "curbs" and "controlled" are found for "meet",
    "strike", "curb" and "control" exactly where the lemmatizer would map them back."""

    suffix_rules: tuple[tuple[str, str], ...]  # (form suffix, lemma suffix), every POS
    exceptions: dict[str, frozenset[str]]  # lemma -> irregular forms

    @classmethod
    def from_nlp(cls, nlp) -> Inflector:
        """Read the tables off the pipeline's lemmatizer (English rules when it has none)."""
        rules: set[tuple[str, str]] = set(_ENGLISH_SUFFIXES)
        inverse: dict[str, set[str]] = {}
        lem = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
        lookups = getattr(lem, "lookups", None)
        if lookups is not None and lookups.has_table("lemma_rules"):
            for pos_rules in lookups.get_table("lemma_rules").values():
                rules.update((old, new) for old, new in pos_rules if old.isalpha())
        if lookups is not None and lookups.has_table("lemma_exc"):
            for table in lookups.get_table("lemma_exc").values():
                for form, lemmas in table.items():
                    for lemma in lemmas:
                        inverse.setdefault(lemma.lower(), set()).add(form.lower())
        return cls(tuple(sorted(rules)), {k: frozenset(v) for k, v in inverse.items()})

    def forms(self, lemma: str) -> frozenset[str]:
        """Every form whose lemma may be `lemma` (a superset: over-generation costs nothing)."""
        lemma = lemma.lower()
        out = {lemma, *self.exceptions.get(lemma, ())}
        for old, new in self.suffix_rules:
            if lemma.endswith(new):
                out.add(lemma[: len(lemma) - len(new)] + old)
        return frozenset(out)

    def all_forms(self, lemmas: Iterable[str]) -> frozenset[str]:
        return frozenset(f for lem in lemmas if not lem.startswith("@") for f in self.forms(lem))


# spaCy English's own suffix rules, for a pipeline without a rule lemmatizer
_ENGLISH_SUFFIXES = (
    ("s", ""), ("es", ""), ("es", "e"), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
    ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
)


def sentence_words(text: str) -> frozenset[str]:
    """The lowercased words of a sentence, hyphenated and apostrophe words also in parts
    ("re-export" -> re-export, re, export), as spaCy's tokenizer may split them."""
    out: set[str] = set()
    for w in _WORD.findall(text.lower()):
        out.add(w)
        if "-" in w or "'" in w:
            out.update(p for p in re.split(r"[-']", w) if p)
    return frozenset(out)


@dataclass(frozen=True)
class RuleHint:
    """What one trigger rule needs to see in a sentence before it can fire: one of its
    trigger forms, and for each of its demands (support verbs, modifiers, objects) one
    form of that demand."""

    triggers: frozenset[str]
    needs: tuple[frozenset[str], ...] = ()

    def fires(self, words: frozenset[str]) -> bool:
        return all(not need.isdisjoint(words) for need in self.needs)


class TriggerHint:
    """The candidate filter: a sentence may hold an event only if some rule's `RuleHint`
    fires on its words. A necessary condition of `triggers.match_rule`, never a
    sufficient one (the parse decides)."""

    def __init__(self, hints: list[RuleHint]) -> None:
        self.hints = hints
        self.by_word: dict[str, list[RuleHint]] = {}
        for h in hints:
            for w in h.triggers:
                self.by_word.setdefault(w, []).append(h)
        self.trigger_words = frozenset(self.by_word)

    def any_trigger(self, words: frozenset[str]) -> bool:
        """Some rule's trigger word appears (its demands unchecked)."""
        return not self.trigger_words.isdisjoint(words)

    def may_fire(self, words: frozenset[str]) -> bool:
        """Some rule's trigger word appears with every word that rule demands."""
        return any(h.fires(words) for w in self.trigger_words.intersection(words) for h in self.by_word[w])


def rule_hint(rule: Rule, inflect: Inflector, easing_nouns: set[str]) -> RuleHint:
    """The words `rule` cannot fire without (triggers.match_rule), in every inflected form.
    Demands the parse may satisfy in other ways are left out: a commodity or money
    modifier, a talks noun at a meeting with a party (any verb), the object-free verbs."""
    needs: list[frozenset[str]] = []
    if rule.cue == "noun" and rule.support is not None and rule.type != "talks":
        need = set(rule.support) | rule.easing_support
        need |= {n for n, v in SUPPORT_NOUNS.items() if v in rule.support}  # "the announcement of the pact"
        if rule.easing_support:
            need |= easing_nouns  # "suspension of export controls": no support verb needed
        needs.append(inflect.all_forms(need))
    if rule.cue == "noun" and rule.modifiers and not any(m.startswith("@") for m in rule.modifiers):
        needs.append(inflect.all_forms(rule.modifiers))
    if rule.cue == "noun" and rule.of_modifiers:
        needs.append(inflect.all_forms(rule.of_modifiers))
    if rule.cue == "verb" and rule.objects and not any(o.startswith("@") for o in rule.objects):
        needs.append(inflect.all_forms(rule.objects))
    return RuleHint(inflect.all_forms(rule.lemmas), tuple(needs))


def easing_nouns(rules: list[Rule]) -> set[str]:
    """The lemmas of the easing nouns ("suspension", "relaxation")."""
    return {lem for r in rules if r.type == "export_control_easing" and r.cue == "noun" for lem in r.lemmas}


def trigger_hint(rules: list[Rule], inflect: Inflector) -> TriggerHint:
    """The candidate filter of a rule set, with the anaphoric measures of
    models/patterns/types.jsonl ("the measures announced in April") as one more rule."""
    eased = easing_nouns(rules)
    hints = [rule_hint(r, inflect, eased) for r in rules]
    anaphora = TYPE_ROWS.get("export_control", {}).get("anaphora")
    if anaphora:
        flips = {w for r in rules if r.type == "export_control" and r.cue == "noun" for w in r.easing_support}
        hints.append(RuleHint(inflect.all_forms(anaphora["nouns"]),
                              (inflect.all_forms(set(anaphora["support"]) | flips),)))
    return TriggerHint(hints)


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    return sentence_words(text)


def furniture(text: str) -> bool:
    """Page furniture, a citation or a related-article teaser: never an event sentence."""
    return bool(_FURNITURE.search(text) or _TEASER.search(text) or _CITATION.search(text))


def is_cand(
    segs: list[Seg], i: int, title_commodity: bool, hint: TriggerHint, loose: bool = False,
    always: frozenset[str] = frozenset(),
) -> bool:
    """Parse a sentence only if some rule may fire on it (`loose`: if any trigger word
    appears, for a trained type model that reads more than the rules) and a commodity
    term is in or near it, or it has one of the `always` words (meeting words: a
    meeting's agenda may be told elsewhere in the article)."""
    s = segs[i]
    words = _words(s.text)
    if not (hint.any_trigger(words) if loose else hint.may_fire(words)) or furniture(s.text):
        return False
    if s.commodity or not always.isdisjoint(words):
        return True
    lo, hi = max(0, i - WINDOW), min(len(segs), i + WINDOW + 1)
    return title_commodity or any(x.commodity for x in segs[lo:hi])


def choose(
    segs: list[Seg], hits: int, hint: TriggerHint, loose: bool = False, always: frozenset[str] = frozenset()
) -> list[Seg]:
    """The sentences of one article to parse, in order, within the per-article budget.

    The title always (a headline may restate a body event), candidates (`is_cand`), and
    when the article names commodities often (`hits` >= 3) the lede's sentences on which
    a rule may fire; nothing when the title is the only candidate (events come from body
    sentences).
    """
    title_com = any(s.is_title and s.commodity for s in segs)
    lede = {n for n, x in enumerate(segs) if not x.is_title}
    lede = set(sorted(lede)[:LEDE]) if hits >= 3 else set()
    chosen = [
        s for i, s in enumerate(segs)
        if s.is_title or is_cand(segs, i, title_com, hint, loose, always)
        or (i in lede and hint.may_fire(_words(s.text)) and not furniture(s.text))
    ]
    if all(s.is_title for s in chosen):
        chosen = []
    out: list[Seg] = []
    budget = MAX_PARSE_CHARS
    for seg in chosen[:MAX_CANDIDATES]:
        budget -= len(seg.text)
        if budget < 0:
            break
        out.append(seg)
    return out
