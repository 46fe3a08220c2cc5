"""The type decision: which events a candidate sentence reports.

Rule triggers propose types; the trained type model (extractors.type_model, when shipped)
keeps a rule trigger only when it gives the type at least its keep threshold, and adds a
type it is sure of that no rule found. `reconcile` then settles types that compete for
the same words (a stockpile purchase is not an investment, an easing is not a new control).
"""

from __future__ import annotations

from extractors import parties
from extractors.events.context import Cand, Seg, StageData
from extractors.events.modality import vetoed
from extractors.events.rules import TYPE_ROWS
from extractors.events.triggers import _governor
from models.orgs import NER_ORG

_DECREES = {"order", "proclamation", "determination"}


_AGREE_VERBS = {"agree", "sign", "ink", "seal", "strike", "conclude", "reach", "finalize", "finalise"}


def score_types(data: StageData, segs: list[Seg]) -> None:
    """The trained type decision's scores for every body sentence to be parsed."""
    tm = data.type_model
    for s in segs:
        s.cats = None
    if tm is None or no_op(tm):
        return
    body = [s for s in segs if not s.is_title]
    for s, cats in zip(body, tm.scores([s.text for s in body]), strict=True):
        s.cats = cats


def no_op(tm) -> bool:
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
    for c in found:
        if c.type == "investment" and _programme_funding(c):
            c.type = _PROGRAMME["becomes"]
    types = {c.type for c in found}
    if "export_control_easing" in types:
        easing_verbs = {c.verb.i for c in found if c.type == "export_control_easing" and c.verb is not None}
        found = [
            c for c in found
            if not (c.type == "export_control" and c.verb is not None and c.verb.i in easing_verbs)
        ]
    if "agreement" in types and "talks" in types:
        # "after X and Y struck a deal, Z was a bystander to the negotiations": a talks noun
        # that only borrows the verb of a deal struck in the sentence is that deal
        deal_verbs = {c.verb.i for c in found if c.type == "agreement" and c.verb is not None}
        found = [
            c for c in found
            if not (c.type == "talks" and c.verb is not None and c.verb.i in deal_verbs and c.trigger.head.i != c.verb.i)
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


# FORMAT.md: a government's funding programme that names no project is industrial_policy
_PROGRAMME = TYPE_ROWS["investment"].get("programme") or {"becomes": "investment", "money_lemmas": []}
_MONEY_LEMMAS = frozenset(_PROGRAMME["money_lemmas"])
_TO_PREPS = {"for", "to", "toward", "towards", "into"}
_SPECIFIC_DETS = {"the", "this", "that", "its", "their", "his", "her"}
_FIRMS = {"COMPANY", "ORG", NER_ORG}


def _programme_funding(c: Cand) -> bool:
    """ "The energy department announced $200m in grants to expand lithium refining",
    "Chile unveiled $300m in financing for copper projects": a government or agency funds a
    sector or a programme and no company or named project receives it. FORMAT.md calls that
    industrial_policy (naming no specific project's financing); a named recipient ("a
    $100m loan to Acme", "towards the project") keeps it an investment."""
    trig = c.trigger
    head = c.verb if c.verb is not None else trig
    if trig.lemma_.lower() not in _MONEY_LEMMAS or head.pos_ not in ("VERB", "AUX"):
        return False
    clause = _own_clause(head)
    doc = trig.doc
    for e in doc.ents:
        if e.label_ in _FIRMS and any(t.i in clause for t in e) and not parties.is_not_party(e.ent_id_ or e.text):
            return False  # a company funds or is funded: an investment
    if not _government_funder(head):
        return False
    anchors = {head.i, trig.i, *(ch.i for ch in head.children if ch.dep_ == "dobj")}
    anchors |= {a.i for a in trig.ancestors if a.i in clause}
    if any(ch.dep_ == "nsubjpass" and not any(t.ent_type_ == "MONEY" for t in ch.subtree) for ch in head.children):
        return False  # "the mine will be financed by ...": the subject is the recipient
    if not any(t.ent_type_ == "MONEY" for t in doc if t.i in clause):
        return False  # a programme is told by its money; "financing commitments" alone is no event
    generic = False
    for t in doc:
        if t.i not in clause:
            continue
        if t.dep_ == "pobj" and t.head.lower_ in _TO_PREPS:
            if _specific(t):
                return False  # "financing for Acme's refinery", "towards the project"
            generic = generic or t.head.head.i in anchors
        elif t.dep_ in ("advcl", "xcomp", "acl", "relcl") and t.head.i in anchors and t.pos_ == "VERB" and any(
            ch.dep_ == "aux" and ch.lower_ == "to" for ch in t.children
        ):  # a purpose: "to expand processing capacity"
            if any(_specific(o) for o in t.children if o.dep_ == "dobj"):
                return False
            generic = True
    return generic


def _own_clause(head) -> set[int]:
    """Token indices of a verb's clause without the clauses coordinated to it ("..., but
    Acme is still struggling to finance its mine")."""
    out = {t.i for t in head.subtree}
    for ch in head.children:
        if ch.dep_ in ("conj", "parataxis") and ch.pos_ in ("VERB", "AUX"):
            out -= {t.i for t in ch.subtree}
    return out


def _government_funder(head) -> bool:
    """The clause's subject (or the subject it inherits) is a country or a state agency."""
    cur = head
    for _ in range(3):
        subs = [ch for ch in cur.children if ch.dep_ == "nsubj"]
        if subs:
            return any(t.ent_type_ in ("GPE", "AGENCY") for s in subs for t in s.subtree)
        if cur.dep_ not in ("xcomp", "conj", "advcl") or cur.head.i == cur.i:
            return False
        cur = cur.head
    return False


def _specific(noun) -> bool:
    """A recipient named as one thing: a proper name, a pronoun, "the project", "its mine"
    (a plural or a mass noun - "projects", "research", "capacity" - names a sector)."""
    if noun.pos_ == "PRON" or (noun.pos_ == "PROPN" and noun.ent_type_ not in ("GPE", "COMMODITY")):
        return True
    if noun.tag_ in ("NNS", "NNPS"):
        return False
    return any(
        (ch.dep_ == "det" and ch.lower_ in _SPECIFIC_DETS) or (ch.dep_ == "poss" and ch.ent_type_ != "GPE")
        or (ch.dep_ == "compound" and ch.pos_ == "PROPN" and ch.ent_type_ not in ("GPE", "COMMODITY"))
        for ch in noun.children
    )
