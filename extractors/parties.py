"""Who the parties of an event are: officials by date, acting governments, targets, anaphora.

Why a module of its own: half of the matched events used to name the wrong parties (a
bystander country, a think tank, the leaders' countries missing). The rules here are
general English and data (models/patterns/officials.jsonl and parties.jsonl), not fitted
to any article:

- an official ("Trump", "Takaichi", "Wang Wentao") stands for the country they serve
  on the article's date, and for nobody outside their terms;
- a measure (export control, tariff, quota, stockpile, policy) is the act of the
  government that takes it: its subject, its possessor ("China's curbs"), its modifier
  ("Chinese export controls") or its agent ("imposed by Beijing"); a country that is
  only the target ("curbs on exports to the US"), the origin of the goods ("tariffs on
  Chinese graphite") or named in another clause is not a party of it;
- ministries and departments stand for their country; state lenders stay parties of
  their own beside it; companies are not parties of a government's measure;
- think tanks, analysts' firms, exchanges, ticker symbols, apps, media, documents and
  headings are never parties;
- "the two leaders", "both sides" and "the ministry" stand for the parties named before.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import models

# an official-elect is reported on before taking office; a leaver's last acts after leaving
_BEFORE_TERM = timedelta(days=75)
_AFTER_TERM = timedelta(days=14)
# prepositions whose object a measure falls on, comes from or goes to (not who takes it)
TARGET_PREPS = {"on", "to", "against", "from", "into", "toward", "towards", "for", "at", "over", "with"}


@lru_cache(maxsize=1)
def _rules() -> dict[str, list]:
    out: dict[str, list] = {"not_party": [], "lender": [], "anaphor": []}
    for row in models.read_patterns("parties"):
        if "pattern" not in row:
            continue
        flags = 0 if row.get("case") else re.IGNORECASE
        out[row["kind"]].append((re.compile(row["pattern"], flags), row))
    return out


def official_country(name: str, day: date | None) -> str | None:
    """The country `name` (an officials.jsonl name) serves on `day`, else None.

    >>> official_country("Donald Trump", date(2019, 5, 1)), official_country("Donald Trump", date(2023, 5, 1))
    ('US', None)
    """
    terms = models.official_terms().get(name)
    if not terms:
        return None
    if day is None:
        return terms[-1][0]
    for country, start, end in terms:
        if date.fromisoformat(start) - _BEFORE_TERM <= day and (
            end is None or day < date.fromisoformat(end) + _AFTER_TERM
        ):
            return country
    return None


@lru_cache(maxsize=1)
def _origin_nouns() -> frozenset[str]:
    return frozenset(w for row in models.read_patterns("parties") if row.get("kind") == "origin" for w in row["lemmas"])


def is_origin(tok) -> bool:
    """ "Mercuria, a Swiss firm, announced ...": a country word modifying a noun in apposition
    to an organisation's name gives the party's origin; it is not a party."""
    head = tok.head
    return (
        tok.dep_ in ("amod", "compound", "nmod", "poss")
        and head.lemma_.lower() in _origin_nouns()
        and head.dep_ == "appos"
    )


def is_not_party(name: str) -> bool:
    """Think tanks, analysts' firms, exchanges, tickers, apps, media, documents, headings."""
    s = name.strip()
    return any(rx.search(s) for rx, _ in _rules()["not_party"])


def is_lender(name: str) -> bool:
    """A state body that finances (EXIM, a development bank, an export-credit agency)."""
    return any(rx.search(name) for rx, _ in _rules()["lender"])


def anaphor(text: str) -> str | None:
    """'plural' for "the two leaders" / "both sides", 'single' for "the ministry", else None."""
    s = re.sub(r"\s+", " ", text.strip().lower())
    s = re.sub(r"['’]s?$", "", s)
    for rx, row in _rules()["anaphor"]:
        if rx.search(s):
            return "plural" if row.get("plural") else "single"
    return None


def is_country(actor: str) -> bool:
    return len(actor) == 2 and actor.isupper()


def government_parties(actors: list[str], agencies: dict[str, str]) -> list[str]:
    """The parties a government's measure can have: countries, and state lenders."""
    out = [a for a in actors if is_country(a) or (a in agencies and is_lender(a))]
    return list(dict.fromkeys(out))


def target_tokens(doc) -> set[int]:
    """Token indices that a measure falls on or comes from: the objects of "on", "to",
    "against", "from" ... anywhere in the sentence, and the clauses of "in retaliation for",
    "in response to" ("curbs on exports to the US", "tariffs imposed by Washington")."""
    out: set[int] = set()
    for t in doc:
        if t.dep_ == "prep" and t.lower_ in TARGET_PREPS:
            out.update(x.i for x in t.subtree)
        elif t.dep_ == "agent":  # "tariffs imposed by Washington": another measure's agent
            head = t.head
            if head.dep_ in ("acl", "relcl") or head.head.dep_ == "pobj":
                out.update(x.i for x in t.subtree)
    return out


def acting_tokens(trigger, verb) -> set[int]:
    """Tokens naming who takes a measure: the support verb's subjects and agent, the trigger
    noun's possessor, compounds and modifiers ("China's", "Chinese", "Beijing's")."""
    from extractors.events import _core_tokens, _subjects

    v = verb if verb is not None else trigger
    heads = _subjects(v) if v.pos_ in ("VERB", "AUX") else []
    if not heads or all(h.tag_ == "PRP" for h in heads):
        # "the ministry announced its decision to implement controls", "Beijing pledged to
        # hold off on the regime it unveiled": the nearest governing clause with a named subject
        for n, anc in enumerate(v.ancestors):
            if n >= 6:
                break
            subs = _subjects(anc) if anc.pos_ in ("VERB", "AUX") else []
            if subs and not all(h.tag_ == "PRP" for h in subs):
                heads = subs
                break
    t = trigger
    while t.dep_ == "compound" and t.head.i != t.i:
        t = t.head
    for n in {trigger, t}:
        if n.pos_ in ("NOUN", "PROPN"):
            heads += [ch for ch in n.children if ch.dep_ in ("poss", "compound", "amod", "nmod")]
            for ch in n.children:  # "controls imposed by China"
                if ch.dep_ in ("acl", "relcl"):
                    heads += [x for a in ch.children if a.dep_ == "agent" for x in a.children if x.dep_ == "pobj"]
                    if ch.dep_ == "relcl":
                        heads += [x for x in ch.children if x.dep_ == "nsubj" and x.tag_ != "WDT"]
    return {x.i for h in heads for x in _core_tokens(h)}
