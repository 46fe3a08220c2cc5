"""The type decision: which events a candidate sentence reports.

Rule triggers propose types; the trained type model (extractors.type_model, when shipped)
keeps a rule trigger only when it gives the type at least its keep threshold, and adds a
type it is sure of that no rule found. `reconcile` then settles types that compete for
the same words (a stockpile purchase is not an investment, an easing is not a new control).
"""

from __future__ import annotations

from extractors.events.context import Cand, Seg, StageData
from extractors.events.modality import vetoed
from extractors.events.triggers import _governor

_DECREES = {"order", "proclamation", "determination"}


_AGREE_VERBS = {"agree", "sign", "ink", "seal", "strike", "conclude", "reach", "finalize", "finalise"}


def score_types(data: StageData, segs: list[Seg]) -> None:
    """The trained type decision's scores for every body sentence to be parsed."""
    tm = data.type_model
    for s in segs:
        s.cats = None
    if tm is None or _no_op(tm):
        return
    body = [s for s in segs if not s.is_title]
    for s, cats in zip(body, tm.scores([s.text for s in body]), strict=True):
        s.cats = cats


def _no_op(tm) -> bool:
    """Thresholds under which the model changes nothing: it keeps every rule trigger
    (keep threshold <= 0) and adds none (scores are probabilities, threshold above 1).
    Then scoring is skipped: the decision is the rules' (as with no model)."""
    return tm.keep_threshold <= 0.0 and tm.threshold > 1.0


def model_says(data: StageData, seg: Seg) -> bool:
    """The classifier alone finds an event type in this sentence."""
    tm = data.type_model
    return tm is not None and seg.cats is not None and max(seg.cats.values()) >= tm.threshold


def decide(data: StageData, seg: Seg, found: list[Cand]) -> list[Cand]:
    """The type decision: which events a sentence reports.

    Rule-only (no model): the rule triggers as found. With the trained model: a rule
    trigger stands when the model gives its type at least the keep threshold; a type
    the model gives the full threshold and no rule trigger found is read off the
    sentence's most plausible trigger word (any trigger lemma of the type, else the
    main verb), so its arguments, date, modality and negation still come from the
    parse.
    """
    tm = data.type_model
    if tm is None or seg.cats is None:
        return found
    cats = seg.cats
    kept = [c for c in found if cats.get(c.type, 0.0) >= tm.keep_threshold]
    have = {c.type for c in kept}
    for typ in sorted(cats, key=lambda t: -cats[t]):
        if cats[typ] < tm.threshold or typ in have:
            continue
        c = _loose_trigger(data, seg, typ)
        if c is not None:
            kept.append(c)
            have.add(typ)
    return kept


def _loose_trigger(data: StageData, seg: Seg, typ: str) -> Cand | None:
    """A trigger for a type the model gives the sentence: the first token whose lemma a
    rule of that type lists (its support verb or governor as the clause), else the root
    verb; None when modality, negation or a conditional vetoes it."""
    doc = seg.doc
    lemmas = data.type_lemmas.get(typ, set())
    picks = [t for t in doc if t.lemma_.lower() in lemmas and t.pos_ in ("VERB", "NOUN", "PROPN")]
    picks += [t for t in doc if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX")]
    for tok in picks:
        verb = tok if tok.pos_ in ("VERB", "AUX") else (_governor(tok) or tok)
        if not vetoed(data, tok, verb, typ):
            return Cand(typ, tok, verb, seg)
    return None



def reconcile(found: list[Cand]) -> list[Cand]:
    """Settle competing types among one sentence's candidates (may retype in place)."""
    for c in found:
        if c.type == "industrial_policy" and c.trigger.lemma_.lower() in _DECREES and any(
            t.lemma_.lower() == "import" for t in c.trigger.doc
        ):
            c.type = "trade_measure"
    types = {c.type for c in found}
    if "stockpile" in types:
        found = [c for c in found if c.type != "investment"]
        # "launched a rare earths stockpile initiative": the programme is the stockpile event
        stock = {c.trigger.i for c in found if c.type == "stockpile"}
        found = [
            c for c in found
            if not (c.type == "industrial_policy" and any(ch.i in stock for ch in c.trigger.children))
        ]
    found = [c for c in found if c.type != "investment" or not _not_an_investment(c, types)]
    if "export_control_easing" in types:
        easing_verbs = {c.verb.i for c in found if c.type == "export_control_easing" and c.verb is not None}
        found = [
            c for c in found
            if not (c.type == "export_control" and c.verb is not None and c.verb.i in easing_verbs)
        ]
    if types & {"export_control", "export_control_easing", "trade_measure"}:
        found = [c for c in found if c.type != "industrial_policy"]
    return found


def _not_an_investment(c: Cand, types: set[str]) -> bool:
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

