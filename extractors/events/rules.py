"""The event stage's rules as loaded data: trigger rules, modality words and how each
event type behaves (models/patterns/*.jsonl), plus `load_stage_data`, which builds the
`StageData` every step reads.

Why here: one place turns the pattern files into the tables the steps look words up in,
so a new rule or type is a data change.
"""

from __future__ import annotations

import re

import models
from extractors.events.context import Rule, StageData

# how each type behaves (models/patterns/types.jsonl): data, so a new type needs no code
TYPE_ROWS = {r["type"]: r for r in models.read_patterns("types")}


def _types_with(flag: str) -> frozenset[str]:
    return frozenset(t for t, r in TYPE_ROWS.items() if r.get(flag))


WINDOW_TYPES = _types_with("window")  # types whose commodity may come from nearby sentences
GOVERNMENT_TYPES = _types_with("government")  # acts of a government
POLICY_TYPES = _types_with("enacted_purpose")  # "signed an order to ...": the purpose is the act
PARTY_TYPES = _types_with("parties")  # parties read off the parse (signers, "with X")
CONTROL_TYPES = _types_with("on_commodity")  # measures that name what they cover
AMOUNT_TYPES = _types_with("amount")
NEEDS_AMOUNT = {t: frozenset(r.get("amount_optional", [])) for t, r in TYPE_ROWS.items() if r.get("needs_amount")}
# acts told as nouns ("the announcement of the pact"): noun -> the support verb it stands for
SUPPORT_NOUNS: dict[str, str] = next(
    (dict(r["verbs"]) for r in models.read_patterns("modality") if r["kind"] == "support_noun"), {}
)


def load_rules() -> tuple[list[Rule], dict[str, set[str]]]:
    """Trigger rules (models/patterns/triggers.jsonl) and modality words (modality.jsonl)."""
    rules = []
    for r in models.read_patterns("triggers"):
        rules.append(
            Rule(
                type=r["type"],
                cue=r["cue"],
                lemmas=set(r["lemmas"]),
                modifiers=set(r.get("modifiers", [])),
                of_modifiers=set(r.get("of_modifiers", [])),
                not_modifiers=set(r.get("not_modifiers", [])),
                support=set(r["support"]) if "support" in r else None,
                easing_support=set(r.get("easing_support", [])),
                objects=set(r.get("objects", [])),
                trade_filter=bool(r.get("trade_filter")),
                no_object=bool(r.get("no_object")),
                subject_actor=bool(r.get("subject_actor")),
                not_objects=set(r.get("not_objects", [])),
                not_subject=set(r.get("not_subject", [])),
                article_requires=re.compile(r["article_requires"]) if r.get("article_requires") else None,
                now_precision=r.get("now_precision", "day"),
                states=set(r.get("states", [])),
            )
        )
    modality = {r["kind"]: set(r.get("lemmas") or r.get("verbs", ())) for r in models.read_patterns("modality")}
    return rules, modality


def load_stage_data(nlp, type_model=None) -> StageData:
    """Everything the rules look up, indexed once for a loaded pipeline."""
    from extractors.events.candidates import Inflector, easing_nouns, trigger_hint

    rules, modality = load_rules()
    inflect = Inflector.from_nlp(nlp)
    by_word: dict[str, tuple[int, ...]] = {}
    for n, rule in enumerate(rules):
        for lem in rule.lemmas:
            by_word[lem] = (*by_word.get(lem, ()), n)
    type_lemmas: dict[str, set[str]] = {}
    for r in rules:
        type_lemmas.setdefault(r.type, set()).update(r.lemmas)
    return StageData(
        nlp=nlp,
        ruler=nlp.get_pipe(models.RULER_NAME),
        rules=rules,
        modality=modality,
        hint=trigger_hint(rules, inflect),
        rules_by_word=by_word,
        type_lemmas=type_lemmas,
        easing_nouns=easing_nouns(rules),
        agency_country=models.agency_countries(),
        members=models.group_members(),
        weak=models.weak_commodity_patterns(),
        type_model=type_model,
        meeting_words=inflect.all_forms(modality.get("meeting_words", ())),
    )


# sentence windows (counted in sentences of the article)
LEDE = 2  # body sentences that may take the article's topic commodity (talks, agreements)
NEWS_LEDE = 10  # opening body sentences whose undated present (perfect) is the day's news
LEDE_FOLLOW = 4  # body sentences after the lede that still tell the lede's news
AGENDA_FOLLOW = 6  # sentences after a scheduled meeting that may tell its agenda
WINDOW = 2  # sentences either side in which a commodity term licenses a trigger
ACTOR_LOOKBACK = 3  # earlier sentences that may name an event's parties
USE_SECTIONS = True  # the commodity window stays inside the sentence's section
