"""Trigger rules over the parse (models/patterns/triggers.jsonl).

A trigger noun must be governed by a support verb of its type ("signed a framework",
"expanded export controls"); a trigger verb needs its object ("curbed exports"); modality,
negation and conditional clauses (extractors.events.modality) veto a trigger. The
`ree_event_triggers` spaCy component stores a doc's triggers on `Doc._.event_triggers` so
a sentence parsed once is matched once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from extractors.events.context import Cand, Rule, Seg, StageData
from extractors.events.modality import is_future, is_money, vetoed
from extractors.events.rules import SUPPORT_NOUNS, TYPE_ROWS

TRIGGERS_ATTR = "event_triggers"  # Doc._.event_triggers: (type, trigger i, verb i, now precision)
ARTICLE_ATTR = "article_text"  # Doc._.article_text: title + text of the sentence's article
for _name, _default in ((TRIGGERS_ATTR, None), (ARTICLE_ATTR, "")):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)

Found = tuple[str, int, int | None, str]  # (type, trigger index, verb index or None, now precision)


class TriggerFinder:
    """The trigger rules as a spaCy component: sets `Doc._.event_triggers` (rules that
    need an article-level condition read `Doc._.article_text`)."""

    def __init__(self, data: StageData) -> None:
        self.data = data

    def __call__(self, doc: Doc) -> Doc:
        doc._.event_triggers = _find(self.data, doc, doc._.article_text)
        return doc


@Language.factory(
    "ree_event_triggers",
    requires=["token.lemma", "token.pos", "token.tag", "token.dep", "doc.ents"],
    assigns=[f"doc._.{TRIGGERS_ATTR}"],
)
def make_trigger_finder(nlp: Language, name: str) -> TriggerFinder:
    """Needs the domain entity ruler in the pipeline (models.add_domain_pipes)."""
    from extractors.events.rules import load_stage_data

    return TriggerFinder(load_stage_data(nlp))


def find_triggers(data: StageData, seg: Seg) -> list[Cand]:
    """Every rule trigger of a parsed sentence that no modality vetoes, in token order, as
    fresh candidates. A doc is matched once: the result stays on the doc
    (`Doc._.event_triggers`), so the probe parse and the rules share it."""
    doc = seg.doc
    found = doc._.event_triggers
    if found is None or doc._.article_text != seg.article_text:
        doc._.article_text = seg.article_text
        found = doc._.event_triggers = _find(data, doc, seg.article_text)
    return [Cand(typ, doc[t], None if v is None else doc[v], seg, now_precision=p) for typ, t, v, p in found]


def _token_rules(data: StageData, tok, article_text: str) -> list[Rule]:
    """The rules listing the token's lemma or its lowercased form, in rule order, without
    those whose article-level condition the article does not meet."""
    by_word, lem, low = data.rules_by_word, tok.lemma_.lower(), tok.lower_
    hits = by_word.get(lem, ()) if lem == low else sorted({*by_word.get(lem, ()), *by_word.get(low, ())})
    return [
        data.rules[n] for n in hits
        if data.rules[n].article_requires is None or _article_has(data.rules[n].article_requires, article_text)
    ]


def _find(data: StageData, doc: Doc, article_text: str) -> list[Found]:
    out: list[Found] = []
    seen: set[tuple[str, int]] = set()
    for tok in doc:
        if data.rules_by_word.get(tok.lemma_.lower()) and _threatened_meeting(data, tok) and ("talks", tok.i) not in seen:
            seen.add(("talks", tok.i))  # "contemplated pulling out of a meeting in late October"
            out.append(("talks", tok.i, None, "day"))
            continue
        for rule in _token_rules(data, tok, article_text):
            typ, support_used = match_rule(data, rule, tok)
            if typ is None:
                continue
            verb = tok if rule.cue == "verb" else (support_used or _governor(tok))
            if vetoed(data, tok, verb, typ):
                continue
            key = (typ, verb.i if verb is not None else tok.i)
            if key in seen:
                continue
            seen.add(key)
            out.append((typ, tok.i, None if verb is None else verb.i, rule.now_precision))
            if typ == "export_control_easing" and rule.type == "export_control":
                # "suspend the controls it announced on Oct. 9": the eased measure is
                # itself an event, dated by its own relative clause
                for rel in _dated_relative(tok, rule.support):
                    if not vetoed(data, tok, rel, "export_control") and ("export_control", rel.i) not in seen:
                        seen.add(("export_control", rel.i))
                        out.append(("export_control", tok.i, rel.i, "day"))
    return out


def may_trigger(data: StageData, seg: Seg) -> bool:
    """Whether some rule may fire on this sentence once its statistical entities are known:
    a rule matches its NER-less parse with the entity-dependent checks waived (an actor as
    subject, a meeting's named counterpart) and no veto applied. A superset of
    `find_triggers` on the full parse, so NER can be spent only where this holds."""
    for tok in seg.doc:
        if any(match_rule(data, rule, tok, lenient=True)[0] is not None
               for rule in _token_rules(data, tok, seg.article_text)):
            return True
        if data.rules_by_word.get(tok.lemma_.lower()) and _threatened_meeting(data, tok, lenient=True):
            return True
    return bool(anaphoric_controls(data, [seg], 0, lenient=True))


_ANAPHORA = TYPE_ROWS.get("export_control", {}).get("anaphora") or {}
_ANTECEDENT = re.compile(_ANAPHORA["antecedent"], re.IGNORECASE) if _ANAPHORA else None


def anaphoric_controls(data: StageData, segs: list[Seg], i: int, lenient: bool = False) -> list[Cand]:
    """ "China curbed exports of gallium. The measures announced in July ...": a bare
    measure noun ("the restrictions", "similar measures") imposed, applied or lifted, when
    one of the sentences just before (same section) names export controls, is that control
    (models/patterns/types.jsonl, export_control.anaphora). Marked `anaphoric`: it counts
    only with a date of its own clause (the caller checks). `lenient`: the sentences
    before are not checked (may_trigger sees one sentence) and no veto applies."""
    seg = segs[i]
    doc = seg.doc
    if doc is None or _ANTECEDENT is None:
        return []
    nouns, dets = set(_ANAPHORA["nouns"]), set(_ANAPHORA["determiners"])
    heads = [
        t for t in doc
        if t.pos_ == "NOUN" and t.lemma_.lower() in nouns
        and any(ch.dep_ in ("det", "amod") and ch.lower_ in dets for ch in t.children)
    ]
    if not heads:
        return []
    lookback = int(_ANAPHORA.get("lookback", 3))
    before = [x for x in segs[max(0, i - lookback) : i] if not x.is_title and x.section == seg.section]
    if not lenient and not any(_ANTECEDENT.search(x.text) for x in before):
        return []
    rule = next((r for r in data.rules if r.type == "export_control" and r.cue == "noun" and r.easing_support), None)
    if rule is None:
        return []
    support = set(_ANAPHORA["support"])
    out: list[Cand] = []
    for tok in heads:
        if _other_kind(tok, rule.not_modifiers) or _modified(data, tok, rule.modifiers):
            continue  # another kind of measure, or a control the rules read already
        for v in _support_verbs(tok):
            lem = v.lemma_.lower()
            typ = "export_control_easing" if lem in rule.easing_support else "export_control" if lem in support else None
            if typ is None or (not lenient and vetoed(data, tok, v, typ)):
                continue
            out.append(Cand(typ, tok, v, seg, anaphoric=True))
            break
    return out


@lru_cache(maxsize=16)
def _article_has(pattern: re.Pattern[str], article_text: str) -> bool:
    """Whether the article names what a rule requires; cached because the rule asks it for
    every trigger word of every sentence of the article (a search over the whole text)."""
    return pattern.search(article_text) is not None


def match_rule(data: StageData, rule: Rule, tok, lenient: bool = False) -> tuple[str | None, Any]:
    """The event type `rule` gives `tok` (None: no match) and the support verb it used.
    `lenient` waives the checks that read statistical entities (see may_trigger)."""
    if rule.cue == "verb":
        if tok.pos_ not in ("VERB",):
            return None, None
        if rule.objects and not (lenient and "@PARTY" in rule.objects) and not _has_object(tok, rule.objects):
            return None, None  # (a party object is an entity: waived by `lenient`)
        if rule.not_objects and _has_object(tok, rule.not_objects):
            return None, None  # "has to meet six standards": another sense of the verb
        if rule.not_subject and any(c.dep_ == "nsubj" and c.lemma_.lower() in rule.not_subject for c in tok.children):
            return None, None  # "Acme shares closed at $6.02": a price, not money raised
        if rule.not_modifiers and any(
            _other_kind(c, rule.not_modifiers) for c in tok.children if c.dep_ in ("dobj", "nsubjpass")
        ):  # "granted an exploitation licence", "exploration licences are issued"
            return None, None
        if rule.subject_actor and not lenient and (not _actor_subject(tok) or _lone_person(tok)):
            return None, None
        if rule.no_object and (
            tok.tag_ != "VBN"
            or any(c.dep_ in ("dobj", "nsubjpass", "nsubj", "conj") for c in tok.children)
        ):
            return None, None
        return rule.type, None
    if tok.pos_ not in ("NOUN", "PROPN") and not _mistagged_noun(tok):
        return None, None
    if rule.modifiers and not _modified(data, tok, rule.modifiers):
        gov = _governor(tok)
        if not ("@COMMODITY" in rule.modifiers and gov is not None and any(
            t.ent_type_ == "COMMODITY" and t.lower_ not in data.weak for t in gov.subtree
        ) and any(t.lemma_.lower() in ("export", "exports", "licence", "license", "licensing") for t in tok.doc)):
            return None, None
    if rule.of_modifiers and not _of_modified(tok, rule.of_modifiers):
        return None, None
    if rule.not_modifiers and _other_kind(tok, rule.not_modifiers):
        return None, None
    if rule.trade_filter and not _trade_ok(tok):
        return None, None
    if rule.support is None:
        return rule.type, None
    verbs = _support_verbs(tok)
    if rule.easing_support and _under_easing_noun(data, tok):
        return "export_control_easing", None
    for v in verbs:
        if rule.easing_support and v.lemma_.lower() in rule.easing_support:
            return "export_control_easing", v
    if rule.type == "talks" and verbs and _at_event(tok) and (lenient or _meeting_with_party(tok, is_future(verbs[0]))):
        return rule.type, verbs[0]  # "At a meeting with Xi on Oct. 30, Trump offered ..."
    if rule.type == "talks" and verbs and tok.head.lower_ in ("at", "during") and verbs[0].lemma_.lower() in data.modality.get(
        "hosting_verbs", ()
    ):
        return rule.type, verbs[0]  # "will welcome countries at a minerals summit": the summit hosted
    if rule.type == "talks" and not lenient and _company_meeting(tok):
        return None, None  # "the Acme meeting held in Perth": the company's own (annual) meeting
    for v in verbs:
        if v.lemma_.lower() in rule.support:
            if rule.states and not _ongoing_state(tok, v, rule.states):
                continue
            if _stative_agent(tok, v):
                continue
            if tok.lemma_.lower() in rule.not_subject and tok.dep_ == "nsubj" and tok.head.i == v.i:
                continue  # "Acme shares closed 3 cents lower": the stock price, not a share sale
            if rule.type == "talks" and _at_event(tok):
                return None, v
            if rule.type == "agreement" and _financing_compound(tok):
                return "investment", v
            return rule.type, v
    noun = _support_noun(tok)
    if noun is not None and rule.type != "talks" and not rule.states and SUPPORT_NOUNS[noun.lemma_.lower()] in rule.support:
        if rule.type == "agreement" and _financing_compound(tok):
            return "investment", noun
        return rule.type, noun  # "Beijing's export control announcement", "the launch of the fund"
    return None, None


def _support_noun(tok):
    """The act noun a trigger noun hangs on as compound or of-object ("the export control
    announcement", "the establishment of a partnership", "the signing of the pact and the
    fund"), which stands for its verb (modality.jsonl, support_noun); None if there is none."""
    cur = tok
    if cur.dep_ == "conj" and cur.head.pos_ in ("NOUN", "PROPN"):
        cur = cur.head
    while cur.dep_ == "compound" and cur.head.i != cur.i and cur.head.pos_ in ("NOUN", "PROPN"):
        cur = cur.head
        if cur.lemma_.lower() in SUPPORT_NOUNS:
            return cur
    if cur.dep_ == "pobj" and cur.head.lower_ == "of":
        head = cur.head.head
        if head.i != cur.head.i and head.pos_ in ("NOUN", "PROPN") and head.lemma_.lower() in SUPPORT_NOUNS:
            return head
    return None


def _ongoing_state(tok, verb, states: set[str]) -> bool:
    """ "Acme is still in negotiations with the government", "remained in talks with X",
    "discussions with the government were well advanced": negotiations under way as a state
    of the parties (a "be"/"remain" clause), not the bare word ("the talks were in Geneva")."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "in" and tok.head.head.i == verb.i:
        return any(c.dep_ == "prep" and c.lower_ in ("with", "between") for c in tok.children)
    return tok.dep_ == "nsubj" and tok.head.i == verb.i and any(
        c.dep_ in ("acomp", "advmod", "attr") and (c.lemma_.lower() in states or c.lower_ in states)
        for c in verb.children
    )


def _under_easing_noun(data: StageData, tok) -> bool:
    """ "suspension of export controls": the control noun hangs under an easing nominal."""
    cur = tok
    for _ in range(3):
        if cur.head.i == cur.i:
            return False
        cur = cur.head
        if cur.pos_ == "VERB":
            return False
        if cur.lemma_.lower() in data.easing_nouns:
            return True
    return False


def _modified(data: StageData, tok, mods: set[str]) -> bool:
    want_com = "@COMMODITY" in mods
    if "@STRONG_COMMODITY" in mods and any(
        t.ent_type_ == "COMMODITY" and t.lower_ not in data.weak and t.lower_ not in ("mineral", "minerals")
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
    purpose = verb.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)
    if (verb.dep_ in ("xcomp", "conj", "acomp") or purpose) and verb.head.pos_ in ("VERB", "AUX", "ADJ") and verb.head.i != verb.i:
        # "X and Y are due to meet": the subject of "are"; "X flew to Lima to meet Y": of "flew"
        return _actor_subject(verb.head)
    return False


_PARTY_ENTS = ("GPE", "LEADER", "AGENCY", "ORG", "COMPANY", "PERSON")


def _lone_person(verb) -> bool:
    """ "Josh Brown, the boss of a mining firm, is discussing his next venture": one private
    person talking about his plans, with no counterpart (no "with X", no one met), is no
    negotiation; officials and governments are told apart by the entity ruler (LEADER)."""
    subs = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not any(s.ent_type_ == "PERSON" for s in subs) or any(
        s.ent_type_ in _PARTY_ENTS[:-1] or s.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in s.children)
        for s in subs
    ):
        return False
    if any(c.dep_ == "prep" and c.lower_ in ("with", "between") for c in verb.children):
        return False
    return not any(
        t.ent_type_ in _PARTY_ENTS or t.lemma_.lower() in _PEOPLE
        for c in verb.children if c.dep_ == "dobj" for t in c.subtree
    )


def _other_kind(noun, mods: set[str]) -> bool:
    """ "a 30-year exploitation licence", "mining licences": a compound or adjective names
    another kind of the noun than the rule's (not an export licence)."""
    return any(c.dep_ in ("compound", "amod", "nmod") and c.lemma_.lower() in mods for c in noun.children)


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
        return any(is_money(t) for h in heads for t in h.subtree)
    if "@PARTY" in objects:  # "visit Beijing", "visit Xi": a country, its leader or a ministry
        return any(t.ent_type_ in ("GPE", "LEADER", "AGENCY") for h in heads for t in h.subtree)
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


def _mistagged_noun(tok) -> bool:
    """ "signed a minerals deal", "inked the rare earths pact": after a plural noun the tagger
    may call "deal" a present-tense verb (and the noun before it its subject), but a word in
    a noun's place with no object, auxiliary or subject of its own heads a noun phrase."""
    return (
        tok.pos_ == "VERB" and tok.tag_ in ("VBP", "VB", "NN")
        and tok.dep_ in ("dobj", "nsubj", "nsubjpass", "pobj", "conj", "ccomp")
        and tok.i > 0 and tok.doc[tok.i - 1].pos_ in ("NOUN", "PROPN", "ADJ", "DET", "NUM")
        and not any(
            c.dep_ in ("dobj", "aux", "auxpass") or (c.dep_ == "nsubj" and c.i != tok.i - 1)
            for c in tok.children
        )
    )


def _meeting_with_party(tok, future: bool = False) -> bool:
    """ "At a meeting with Xi in Busan on Oct. 30, Trump agreed ...", "at their meeting": a
    meeting that names its counterparts is an event of its own, not only the setting of the
    main clause."""
    return any(
        (c.dep_ == "prep" and c.lower_ == "with" and any(t.ent_type_ in ("GPE", "LEADER", "AGENCY") for t in c.subtree))
        or (c.dep_ == "poss" and c.lower_ == "their")  # "raised it with Xi at their meeting"
        # "will be accompanied by ministers during his state visit to China": a scheduled
        # visit is an event of its own (a past one, "on a visit to Berlin, he said", a setting)
        or (future and c.dep_ == "prep" and c.lower_ == "to" and tok.lemma_.lower() in ("visit", "trip")
            and any(t.ent_type_ == "GPE" for t in c.subtree))
        for c in tok.children
    )


def withdrawn_from(tok):
    """The verb of withdrawal a meeting noun is the object of ("cancel the summit", "pull
    out of the meeting"), else None."""
    if tok.dep_ == "dobj":
        return tok.head
    if tok.dep_ == "pobj" and tok.head.lower_ in ("of", "from"):
        cur = tok.head.head  # "pull out of": the parser may hang "of" on "out"
        if cur.dep_ in ("prep", "prt", "advmod") and cur.lower_ in ("out", "away", "back"):
            cur = cur.head
        return cur if cur.pos_ == "VERB" else None
    return None


def _threatened_meeting(data: StageData, tok, lenient: bool = False) -> bool:
    """ "He contemplated pulling out of a meeting in late October with Xi", "threatened to
    skip next week's summit": a withdrawal only considered (under a hypothetical head)
    leaves the meeting, dated in its own phrase, on the calendar."""
    if tok.pos_ not in ("NOUN", "PROPN") or tok.lemma_.lower() not in ("meeting", "summit", "talk", "visit", "trip"):
        return False
    verb = withdrawn_from(tok)
    if verb is None or verb.lemma_.lower() not in data.modality.get("withdrawal_verbs", ()):
        return False
    hyp = data.modality["hypothetical_head"]
    cur, hypothetical = verb, False
    for _ in range(2):
        if cur.dep_ not in ("xcomp", "ccomp", "pcomp", "dobj", "pobj", "prep") or cur.head.i == cur.i:
            break
        cur = cur.head
        if cur.lemma_.lower() in hyp and cur.pos_ == "VERB":
            hypothetical = True
            break
    if not hypothetical:
        return False
    if lenient:
        return True  # the meeting's own date is an entity (see may_trigger)
    own = [t for c in tok.children if c.dep_ in ("prep", "poss", "compound", "npadvmod") for t in c.subtree]
    own += [t for c in verb.children if c.dep_ in ("prep", "npadvmod") and c.i > tok.i for t in c.subtree]
    return any(t.ent_type_ == "DATE" and not (t.like_num and len(t.text) == 4) for t in own)


def _company_meeting(tok) -> bool:
    """ "the Acme Minerals meeting held on Thursday", "Acme's meeting": a meeting named after
    one company, with no counterpart ("with", "between"), is that company's shareholder or
    board meeting, not a negotiation."""
    if tok.lemma_.lower() != "meeting":
        return False
    named = {t.ent_type_ for c in tok.children if c.dep_ in ("compound", "poss") for t in c.subtree if t.ent_type_}
    return named == {"COMPANY"} and not any(c.dep_ == "prep" and c.lower_ in ("with", "between") for c in tok.children)


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


def _trade_ok(tok) -> bool:
    lem = tok.lemma_.lower()
    if lem in ("probe", "investigation", "inquiry"):
        window = tok.doc.text.lower()
        return any(k in window for k in ("import", "232", "dumping", "national security"))
    if lem in ("import", "quota"):
        return False
    return True

