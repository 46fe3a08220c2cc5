"""Modality, negation, tense: whether a trigger reports something that happened.

A modal ("could", "may"), a negation, a conditional or a question vetoes a trigger; a
purpose clause ("to sign a deal") is not the act unless an enacting verb carries it out;
a tally ("160 minerals deals") is not an event. Tense decides whether an undated clause
is the publication day's news (`is_now`) and which reading of a date applies (`is_future`).
"""

from __future__ import annotations

from extractors.events.context import StageData
from extractors.events.rules import POLICY_TYPES

_FUTURE_AUX = {"will", "'ll", "shall"}


_PRESENT_TAGS = {"VBZ", "VBP"}


_ONGOING = {"begin", "start", "continue", "keep"}


_TRAVEL = {"fly", "travel", "head", "arrive", "visit", "go", "come", "gather", "convene"}


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


REPORT = {"say", "announce", "confirm", "state", "tell", "add", "note", "declare", "decide", "agree"}


def vetoed(data: StageData, tok, verb, typ: str = "") -> bool:
    """Modality, negation, conditionals and questions veto a trigger."""
    modal, hyp = data.modality["modal"], data.modality["hypothetical_head"]
    neg, marker = data.modality["negation"], data.modality["marker"]
    for t in (tok, verb):
        if t is None:
            continue
        for c in t.children:
            if c.dep_ in ("aux", "auxpass") and c.lemma_.lower() in modal:
                if c.lower_ == "would" and reported(t):
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
                if (cur.dep_ != "conj" or _stray_infinitive(cur, head)) and not _scheduled(data, cur, head, typ):
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
    if typ in ("agreement", "talks") and _open_partner_list(data, tok, verb):
        return True  # "partnerships with more than 20 countries": a record, not an event
    if v.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children):
        gov = next((a for a in v.ancestors if a.pos_ == "VERB"), v.head)
        enacted = (typ in POLICY_TYPES and gov.lemma_.lower() in _ENACT) or (
            v.head.lemma_.lower() in _TRAVEL  # "flew to Washington to ink the deal"
        )
        purpose = v.dep_ in ("acl", "advcl", "relcl") or (
            v.dep_ == "xcomp" and (v.head.pos_ == "NOUN" or v.head.lemma_.lower() not in _XCOMP_OK)
        )
        if v.dep_ in ("acl", "xcomp") and v.head.lemma_.lower() in data.modality.get("enacting_noun", ()):
            purpose = False  # "China's decision to restrict exports": the act itself
        if purpose and not enacted and not _scheduled(data, v, v.head, typ):
            return True
    sent = tok.sent.text.rstrip()
    return sent.endswith("?")


def _stray_infinitive(verb, head) -> bool:
    """ "is expected to meet X, attend events and meet Y": the parser may hang the later bare
    infinitives on "expected" as conjuncts; with no subject or auxiliary of their own after
    a "to" infinitive there, they continue the expectation, not a new fact."""
    return (
        verb.tag_ in ("VB", "VBP")
        and not any(c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass") for c in verb.children)
        and any(c.dep_ == "xcomp" and c.i < verb.i for c in head.children)
    )


def _scheduled(data: StageData, clause, head, typ: str) -> bool:
    """ "Trump is expected to meet Xi next week": a meeting expected on a date is on the
    calendar (FORMAT.md annotates scheduled events), unlike an expected outcome; and "the
    commission plans to unveil a scheme in December": a present plan with its own date."""
    if _dated_plan(data, clause, head):
        return True
    return (
        typ in data.modality.get("scheduled_types", ())
        and head.lemma_.lower() in data.modality.get("schedule_passive", ())
        and clause.dep_ == "xcomp"
        and any(c.dep_ == "auxpass" for c in head.children)
        and any(t.ent_type_ == "DATE" for t in clause.subtree)
    )


def _dated_plan(data: StageData, clause, head) -> bool:
    """ "Brazil plans to introduce export controls in January", "is planning to ... next
    month": a plan told in the present with a month or a day of its own (not a year: "by
    2030" is an ambition) is on the calendar."""
    if head.lemma_.lower() not in data.modality.get("dated_plan", ()) or clause.dep_ != "xcomp":
        return False
    present = head.tag_ in _PRESENT_TAGS or (
        head.tag_ == "VBG" and any(c.dep_ == "aux" and c.lower_ in ("is", "are", "'s", "'re") for c in head.children)
    )
    if not present:
        return False
    own = [t for c in head.children if c.dep_ in ("prep", "npadvmod") and c.i != clause.i for t in c.subtree]
    dates = [t for t in [*clause.subtree, *own] if t.ent_type_ == "DATE"]  # "In December the EU plans to"
    return any(not t.like_num or not (1900 <= _num(t.text) <= 2100) for t in dates)


def reported(verb) -> bool:
    return verb.dep_ == "ccomp" and verb.head.lemma_.lower() in REPORT and not any(
        c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in verb.children
    )


def is_future(v) -> bool:
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


def is_now(v, allow_will: bool = False, depth: int = 0) -> bool:
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
        return is_now(v.head, allow_will, depth + 1)
    return False


def is_money(tok) -> bool:
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


_DEFINITE = {"the", "these", "those", "both", "its", "their", "his", "her", "our", "this", "that"}


def _open_partner_list(data: StageData, tok, verb) -> bool:
    """ "signed partnerships with more than 20 countries", "deals with countries including
    X and Y", "with Chile, Peru and others", "agreements, for example with X": an open-ended
    or generic list of counterparts tallies a record (analysis prose), it reports no one
    signing; "with the two countries" or "with Chile and Peru" still name the parties."""
    generic = data.modality.get("tally_partners", set())
    near = list(tok.subtree) if tok.pos_ != "VERB" else []
    if verb is not None:  # the verb's own phrases ("signed ..., for example with X")
        near += [t for c in verb.children if c.dep_ == "prep" for t in c.subtree]
    for prep in near:
        if prep.dep_ != "prep" or prep.lower_ != "with":
            continue
        doc = prep.doc
        if any(doc[j].lower_ in ("example", "instance") for j in range(max(0, prep.i - 3), prep.i)):
            return True
        for p in (x for x in prep.children if x.dep_ == "pobj"):
            if any(x.lower_ in ("others", "other") and x.dep_ in ("conj", "pobj") for x in p.subtree):
                return True
            if p.lemma_.lower() in generic and p.tag_ in ("NNS", "NNPS"):
                kids = list(p.children)
                if any(k.dep_ in ("det", "poss") and k.lower_ in _DEFINITE for k in kids):
                    continue
                nums = [k for k in kids if k.dep_ == "nummod" and k.like_num]
                if nums and all(_num(k.text) < 3 for k in nums) and not any(
                    q.lower_ in ("than", "over", "nearly", "about", "some", "around") for k in nums for q in k.children
                ):
                    continue
                return True
    return False


def _num(text: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 3.0 if text.lower() in ("dozens", "hundreds", "scores") else 0.0

