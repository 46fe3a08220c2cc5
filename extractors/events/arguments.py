"""The arguments of an event: its actors (parties), commodities and amount.

Actors are ISO country codes (via the entity ruler; agencies add their country, groups
such as the G7 their members, officials the country they serve on the article's date),
companies and agencies no list holds (spaCy NER and company-name shapes, models/orgs.py).
Venues ("in Tokyo") are not parties; for agreements, talks and investments the parties are
read off the parse - subjects, "with X", "X's deal", the recipient and the plant's place -
not every country the sentence names; "the two leaders" resolve to the parties named
before them; a company called by its first word later in the article keeps its full name.
Commodities come from the sentence, else (for types that allow it) from two sentences
either side in the same section, else the headline.
"""

from __future__ import annotations

import re
from collections import Counter

from extractors import parties
from extractors.events.context import ArticleContext, Cand, Seg, StageData
from extractors.events.dating import event_date, lede_dated, scheduled_meeting
from extractors.events.modality import REPORT, is_future
from extractors.events.rules import (
    ACTOR_LOOKBACK,
    AGENDA_FOLLOW,
    AMOUNT_TYPES,
    CONTROL_TYPES,
    GOVERNMENT_TYPES,
    LEDE,
    NEEDS_AMOUNT,
    PARTY_TYPES,
    USE_SECTIONS,
    WINDOW,
    WINDOW_TYPES,
)
from extractors.geo import SURFACE_FORMS
from extractors.money import find_money
from models.orgs import AGENCY_COUNTRY, NER_ORG

_PAREN = re.compile(r"[(;]\s*$")  # "A$1.2bn (£580m)": the converted figure is not the amount


_VENUE_PREPS = {"in", "at"}


_MONEY_PREPS = {"in", "into", "to", "for", "toward", "towards", "at", "near"}


_PLACE_PREPS = {"in", "at", "near"}


_COUNTRY_WORDS = {w for form in SURFACE_FORMS for w in form.split()}


_ROLE_PREPS = {"with", "between", "among"}


_CORE_DEPS = {"conj", "compound", "poss", "appos", "amod", "nmod", "cc", "det", "case", "punct", "nummod"}


_TOPIC_PREPS = {"on", "about", "over", "concerning", "regarding", "covering"}


_DATE_WORD = re.compile(
    r"\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"june|july|august|september|october|november|december|day|week|month|year|margins|sidelines",
    re.IGNORECASE,
)


def ents(
    data: StageData, ctx: ArticleContext, seg: Seg, skip_venues: bool = False, only: set[int] | None = None
) -> tuple[list[str], list[str]]:
    """Actors and commodities of a sentence; `only`: token indices an actor must touch."""
    actors: list[str] = []
    coms: list[str] = []
    strong = False
    doc = seg.doc
    if doc is None:
        doc = seg.light = seg.light or data.light_doc(seg.text)
    for e in doc.ents:
        eid = e.ent_id_ or e.text
        if only is not None and e.label_ != "COMMODITY" and not any(t.i in only for t in e):
            continue
        if e.label_ == "GPE":
            if (skip_venues and _is_venue(e)) or parties.is_origin(e.root):
                continue
            actors.append(eid)
        elif e.label_ == "LEADER":
            code = parties.official_country(eid, ctx.pub)
            if code:  # an official stands for the country they serve on the article's date
                actors.append(code)
        elif e.label_ == "AGENCY":
            code = data.agency_country.get(eid) or doc.user_data.get(AGENCY_COUNTRY, {}).get(
                (e.start_char, e.end_char)
            )
            if code:
                actors.append(code)
            if (not code and not parties.is_not_party(eid)) or parties.is_lender(eid):
                actors.append(eid)  # a ministry stands for its country; a state lender is a party too
        elif e.label_ in ("COMPANY", "ORG"):
            if parties.is_not_party(eid):
                continue
            members = data.members.get(eid, [])
            if not members:
                actors.append(eid)
            actors.extend(members)  # "the G7": its members are the parties
        elif e.label_ == NER_ORG:
            if parties.is_not_party(eid):
                continue
            actors.append(eid)
            ctx.weak_ids.add(eid)
        elif e.label_ == "COMMODITY":
            if e.text.lower() not in data.weak:
                strong = True
            coms.append(eid)
    short = ctx.short
    for t in doc if short else ():
        # "Kestrel signed ...": a company named earlier in the article by its first word
        if t.text in short and (t.ent_type_ in ("", "PERSON", "PLACE", NER_ORG)) and (only is None or t.i in only):
            nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
            if nxt is None or not nxt.text[:1].isupper():
                ctx.weak_ids.discard(t.text)
                actors = [a for a in actors if a != t.text]
                actors.append(short[t.text])
    if not strong:
        coms = [c for c in coms if c in ("critical minerals",)] if coms else []
    return list(dict.fromkeys(actors)), list(dict.fromkeys(coms))


def fill(data: StageData, ctx: ArticleContext, c: Cand, i: int, title_seg: Seg | None) -> bool:
    """Fill a candidate's actors, commodities, date and amount; False drops it."""
    segs, country_counts, pub = ctx.segs, ctx.country_counts, ctx.pub
    seg = c.seg
    ctx.weak_ids = set()
    actors, coms = ents(data, ctx, seg, skip_venues=c.type != "investment")
    if coms and c.type in CONTROL_TYPES and _object_elsewhere(c.trigger, c.verb):
        return False  # "export controls on chips, while rare earth stocks rallied"
    c.in_context = not coms
    if not coms and (c.type in WINDOW_TYPES or seg.header is not None):
        generic = data.modality.get("generic_agenda", set()) if c.type == "talks" else set()
        if c.type in ("talks", "agreement") and (
            _other_topic(c.trigger, generic) or (c.verb is not None and _purpose_elsewhere(c.verb, generic))
        ):
            return False
        same = [
            x
            for x in segs[max(0, i - WINDOW) : i + WINDOW + 1]
            if not x.is_title and (x.section == seg.section or not USE_SECTIONS)
        ]
        for x in same:
            coms += ents(data, ctx, x)[1]

        if not coms and c.type in ("talks", "agreement", "investment") and title_seg is not None:
            coms = ents(data, ctx, title_seg)[1] if title_seg.commodity else []
        if not coms and c.type == "talks" and in_lede(segs, i):
            coms = article_commodities(data, segs)
        if not coms and c.type == "talks" and _scheduled(c):
            coms = agenda_commodities(data, ctx, i)
        if c.type == "investment" and not names_organisation(data, seg):
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
    if c.type in GOVERNMENT_TYPES:
        actors = government_actors(data, ctx, c, i, title_seg)
    elif actors and seg.header is None and c.type in ("export_control", "export_control_easing") and not _has_subject_actor(c):
        prev = next((x for x in reversed(segs[max(0, i - 1) : i]) if not x.is_title), None)
        if prev is not None:
            actors = list(dict.fromkeys(actors + [a for a in ents(data, ctx, prev, True)[0] if len(a) == 2]))
    if c.type in PARTY_TYPES:
        # the parties are the signers: subjects, "with X", "X's deal" - not every country
        # the sentence names ("to reduce reliance on China", "as Chinese negotiators met")
        roles, subj = _role_tokens(c)
        if roles:
            before = set(ctx.weak_ids)
            core = ents(data, ctx, seg, skip_venues=True, only=roles)[0]
            by_subject = ents(data, ctx, seg, skip_venues=True, only=subj)[0] if subj else []
            sure = [a for a in core if a not in ctx.weak_ids or a in before]
            if len(sure) >= 2 or (sure and any(a in sure for a in by_subject)):
                actors = core
            named = anaphor_parties(data, ctx, seg, i, roles)
            if named:  # "the two leaders signed ...": the parties named before
                actors = list(dict.fromkeys(named + (core if sure else [])))
    weak = set(ctx.weak_ids)  # organisations only the statistical NER vouches for
    c.weak = weak
    ctx.article_weak |= weak
    if c.type in GOVERNMENT_TYPES:
        pass  # the acting government is settled above
    elif not [a for a in actors if a not in weak]:
        # no sure party in the sentence: the nearest earlier sentence (or the headline) that names one
        found: list[str] = []
        for x in reversed(segs[max(0, i - ACTOR_LOOKBACK) : i]):
            if not x.is_title:
                found = [a for a in ents(data, ctx, x)[0] if a not in ctx.weak_ids]
                if found:
                    break
        if not found and title_seg is not None:
            found = [a for a in ents(data, ctx, title_seg)[0] if a not in ctx.weak_ids]
        actors = list(dict.fromkeys(actors + found))
    named = _named_by_trigger(c)
    actors = [a for a in actors if a not in named]
    strong = [a for a in actors if a not in weak]
    top = country_counts.most_common(1)[0][0] if country_counts else None
    if top and c.type not in GOVERNMENT_TYPES and not strong:
        actors = list(dict.fromkeys(actors + [top]))
    if not actors:
        return False
    if c.type in GOVERNMENT_TYPES and not any(len(a) == 2 and a.isupper() for a in actors):
        return False  # FORMAT.md: these are acts of a government
    c.actors = actors
    c.commodities = list(dict.fromkeys(coms))
    if not event_date(ctx, c, pub) and not lede_dated(ctx, c, i):
        return False
    if c.type in AMOUNT_TYPES:
        money = [m for m in find_money(seg.text) if not _PAREN.search(seg.text[: m.start])]
        if money:
            tpos = c.trigger.idx
            best = min(money, key=lambda m: abs(m.start - tpos))
            c.amount, c.currency = best.amount, best.currency
    if c.type in NEEDS_AMOUNT and c.amount is None and c.trigger.lemma_.lower() not in NEEDS_AMOUNT[c.type]:
        return False
    if c.precision == "year":
        return False  # FORMAT.md: events are annotated only when dated to the month
    c.split_with = split_targets(c)
    return True


def _named_by_trigger(c: Cand) -> set[str]:
    """Organisations whose name holds the trigger word: 'launched the Minerals Security
    Partnership' - the partnership is what is launched, not a party to it."""
    t = c.trigger
    return {
        e.ent_id_ or e.text
        for e in t.doc.ents
        if e.label_ in ("COMPANY", "ORG", NER_ORG)
        and (e.start <= t.i < e.end or (e.end == t.i and e.root.dep_ == "compound" and e.root.head.i == t.i))
    }  # the name may hold the trigger, or be its compound ("[Arctic Minerals] Partnership")


def names_organisation(data: StageData, seg: Seg) -> bool:
    """The sentence names an agency, a company or another organisation (not a group)."""
    doc = seg.doc if seg.doc is not None else seg.light
    return doc is not None and any(
        e.label_ == "AGENCY" or (e.label_ in ("COMPANY", "ORG", NER_ORG) and (e.ent_id_ or e.text) not in data.members
                                 and not parties.is_not_party(e.ent_id_ or e.text))
        for e in doc.ents
    )


def government_actors(data: StageData, ctx: ArticleContext, c: Cand, i: int, title_seg: Seg | None) -> list[str]:
    """Who takes a measure: the government acting in the trigger's clause (subject,
    possessor, modifier, agent), else a country the sentence names outside a target
    phrase ("curbs on exports to the US"), else the one acting in the sentences before,
    else the article's most-named country. Companies are not parties of a measure."""
    segs, country_counts = ctx.segs, ctx.country_counts
    def gov(seg, only) -> list[str]:
        return parties.government_parties(ents(data, ctx, seg, True, only=only)[0], data.agency_country)

    seg = c.seg
    acting = parties.acting_tokens(c.trigger, c.verb)
    found = gov(seg, acting) if acting else []
    if not found and acting and ents(data, ctx, seg, True, only=acting)[0]:
        return []  # "the African Union adopted a strategy": someone else acts, not a government
    if not found and acting:
        found = agency_named_nearby(data, ctx, seg, i, acting)
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


def agency_named_nearby(data: StageData, ctx: ArticleContext, seg: Seg, i: int, acting: set[int]) -> list[str]:
    """ "The department set duties ...": the country of the department the article names
    nearby (before, else just after: ledes often name it in the next sentence)."""
    segs = ctx.segs
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
        doc = x.doc if x.doc is not None else (x.light or data.light_doc(x.text))
        x.light = x.light if x.doc is not None else doc
        for e in doc.ents:
            if e.label_ == "AGENCY" and nouns & {t.lower_ for t in e}:
                code = data.agency_country.get(e.ent_id_) or doc.user_data.get(AGENCY_COUNTRY, {}).get(
                    (e.start_char, e.end_char)
                )
                if code:
                    return [code]
    return []


def anaphor_parties(data: StageData, ctx: ArticleContext, seg: Seg, i: int, roles: set[int]) -> list[str]:
    """ "The two leaders signed ...", "both sides agreed", "the ministry said": the parties
    named before the phrase (earlier in the sentence, else in the sentences before)."""
    segs = ctx.segs
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
        before = [a for a in ents(data, ctx, seg, True, only=set(range(words[0].i)))[0] if a not in ctx.weak_ids]
        earlier: list[str] = []
        for x in reversed(segs[max(0, i - ACTOR_LOOKBACK) : i]):
            if x.is_title:
                continue
            got = [a for a in ents(data, ctx, x, True)[0] if a not in ctx.weak_ids]
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


def short_names(data: StageData, segs: list[Seg]) -> dict[str, str]:
    """First word -> full name of the article's companies ("Kestrel" -> "Kestrel Magnetics"):
    after the first mention, news calls a company by its first word."""
    full: dict[str, set[str]] = {}
    for s in segs:
        if s.doc is None:
            continue
        for e in s.doc.ents:
            if e.label_ == "COMPANY" and len(e) >= 2 and e.ent_id_ not in data.members and not parties.is_not_party(e.ent_id_):
                first = e[0].text
                if first[:1].isupper() and not first.isupper() and first.lower() not in ("the", "china"):
                    full.setdefault(first, set()).add(e.ent_id_)
    return {k: next(iter(v)) for k, v in full.items() if len(v) == 1 and k not in _COUNTRY_WORDS}


def in_lede(segs: list[Seg], i: int) -> bool:
    """The first two body sentences: what the whole article is about."""
    body = [n for n, s in enumerate(segs) if not s.is_title][:LEDE]
    return i in body


def _scheduled(c: Cand) -> bool:
    """A meeting told as scheduled: "will meet", "are due to meet", "scheduled for"."""
    head = c.verb if c.verb is not None else c.trigger
    return is_future(head) or scheduled_meeting(head)


def agenda_commodities(data: StageData, ctx: ArticleContext, i: int) -> list[str]:
    """The agenda of a scheduled meeting whose own sentence names no commodity (its topic,
    if any, is trade or relations in general: see `_other_topic`): the commodities of the
    sentences after it in its section ("Officials expect progress on rare earths"), else
    the article's topic."""
    segs = ctx.segs
    seg = segs[i]
    for x in segs[i + 1 : i + 1 + AGENDA_FOLLOW]:
        if x.is_title or (USE_SECTIONS and x.section != seg.section):
            break
        coms = ents(data, ctx, x)[1]
        if coms:
            return coms
    counts: Counter[str] = Counter()
    for x in segs:
        if x.commodity and not x.is_title:
            counts.update(set(ents(data, ctx, x)[1]))
    return [c for c, _n in counts.most_common(3)]


def article_commodities(data: StageData, segs: list[Seg]) -> list[str]:
    """Strong commodities named at least twice in the article (its topic)."""
    counts: Counter[str] = Counter()
    for s in segs:
        if s.doc is not None:
            counts.update(
                list(dict.fromkeys(
                    e.ent_id_ for e in s.doc.ents
                    if e.label_ == "COMMODITY" and e.text.lower() not in data.weak
                ))
            )
    return [c for c, n in counts.most_common(3) if n >= 2]


def split_targets(c: Cand) -> list[str]:
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


def split(c: Cand) -> list[Cand]:
    if not c.split_with:
        return [c]
    base = [a for a in c.actors if a not in c.split_with]
    out = []
    for t in c.split_with:
        out.append(
            Cand(
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


_MEMBER_NOUNS = {"nation", "country", "member", "economy", "government", "state", "leader", "democracy", "ally", "partner"}


def _core_tokens(head) -> list:
    """A party phrase without its clauses: the head, conjuncts, compounds, possessors,
    appositions and "of"/"from" phrases ("negotiators from Washington and Beijing")."""
    out, stack = [head], [head]
    while stack:
        x = stack.pop()
        for ch in x.children:
            member_of = ch.dep_ == "prep" and ch.lower_ in ("in", "among") and x.lemma_.lower() in _MEMBER_NOUNS
            if ch.dep_ in _CORE_DEPS or (ch.dep_ == "prep" and ch.lower_ in ("of", "from")) or member_of:
                out.append(ch)  # "nations in the G7", "members of the Quad"
                stack.append(ch)
            elif ch.dep_ == "pobj" and x.dep_ == "prep" and x.lower_ in ("of", "from", "in", "among"):
                out.append(ch)
                stack.append(ch)
    return out


def _subjects(v, depth: int = 0) -> list:
    """Subjects of a verb; "X said it had signed": the pronoun stands for the speaker."""
    subs = [ch for ch in v.children if ch.dep_ in ("nsubj", "nsubjpass")]
    if (
        subs and all(x.tag_ == "PRP" for x in subs) and v.dep_ == "ccomp"
        and v.head.lemma_.lower() in REPORT and depth < 3
    ):
        return _subjects(v.head, depth + 1)
    for ch in v.children:
        if ch.dep_ == "agent":
            subs += [x for x in ch.children if x.dep_ == "pobj"]
    if not subs and v.dep_ in ("xcomp", "conj", "advcl") and v.head.pos_ in ("VERB", "AUX") and depth < 3:
        return _subjects(v.head, depth + 1)
    return subs


def _role_tokens(c: Cand) -> tuple[set[int], set[int]]:
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
    if c.type == "talks" and verb.pos_ in ("VERB", "AUX"):
        # "raised export controls on rare earths with Xi": the parser may hang the
        # counterpart on a nearby noun; in a meeting's clause "with X" is still a party
        preps += [t for t in verb.subtree if t.dep_ == "prep" and t.lower_ == "with" and t not in preps]
    for ch in preps:
        # "a state visit to China": the host of a visit is a party
        visit_to = ch.lower_ == "to" and c.type == "talks" and ch.head.i == trig.i and trig.lemma_.lower() in ("visit", "trip")
        if ch.lower_ in _ROLE_PREPS or visit_to:
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


def _other_topic(tok, generic: set[str] = frozenset()) -> bool:
    """ "a deal to build nuclear reactors", "talks to address the drought": the trigger names
    its own subject and it is not a mineral (used when only the context window has one);
    trade or relations in general (`generic`: "talks on trade") are no other topic."""
    for c in tok.children:
        topical = (c.dep_ == "prep" and c.lower_ in _TOPIC_PREPS and not _dateish(c)) or (
            c.dep_ in ("acl", "relcl") and any(x.dep_ == "aux" and x.lower_ == "to" for x in c.children)
        )
        if topical:
            sub = list(c.subtree)
            if len(sub) > 2 and not any(t.ent_type_ == "COMMODITY" or _generic(t, generic) for t in sub):
                return True
    return False


def _generic(tok, generic: set[str]) -> bool:
    """ "to ease trade tensions", "talks on trade": the topic phrase's head noun (an object)
    is trade or relations in general; a modifier ("economic development") is not."""
    return tok.dep_ in ("dobj", "pobj") and (
        tok.lemma_.lower() in generic or any(c.dep_ == "compound" and c.lemma_.lower() in generic for c in tok.children)
    )


def _dateish(prep) -> bool:
    """ "on October 30", "on the sidelines of": a time or setting, not a topic."""
    return any(_DATE_WORD.search(t.text) or t.ent_type_ == "GPE" for t in prep.subtree)


def _purpose_elsewhere(verb, generic: set[str] = frozenset()) -> bool:
    """ "began talks to address the drought": the governing verb's purpose clause has no
    mineral (nor, `generic`, trade or relations in general: "to ease trade tensions")."""
    for c in verb.children:
        if c.dep_ in ("advcl", "xcomp") and any(x.dep_ == "aux" and x.lower_ == "to" for x in c.children):
            if not any(t.ent_type_ == "COMMODITY" or _generic(t, generic) for t in c.subtree):
                return True
    return False


_GOODS = ("good", "material", "item", "product", "technology")


def _exports_of(prep) -> list | None:
    """ "on exports of chips": the tokens of what is exported, when the phrase names it
    (None otherwise)."""
    for p in prep.children:
        if p.dep_ == "pobj" and p.lemma_.lower() in ("export", "shipment", "sale"):
            for of in p.children:
                if of.dep_ == "prep" and of.lower_ == "of":
                    return [t for t in of.subtree if t.i != of.i]
    return None


def _object_elsewhere(tok, verb=None) -> bool:
    """The measure names what it covers ("controls on chips", "curbs on exports of
    chips") and that is no mineral."""
    if tok.pos_ not in ("NOUN", "PROPN"):
        return False
    preps = list(tok.children)
    if verb is not None:  # "slapped controls on chips": the parser hangs "on" on the verb
        preps += [c for c in verb.children if c.i == tok.right_edge.i + 1]
    for c in preps:
        if c.dep_ != "prep" or c.lower_ not in ("on", "over", "against"):
            continue
        goods = _exports_of(c)  # "curbs on exports of computer chips to China": what is exported
        if goods is not None:
            if goods and not any(t.ent_type_ == "COMMODITY" or t.lemma_.lower() in _GOODS for t in goods):
                return True
        elif not _dateish(c):
            sub = [t for t in c.subtree if t.i != c.i]
            if sub and not any(
                t.ent_type_ in ("COMMODITY", "GPE") or t.lemma_.lower() in ("export", "import", *_GOODS)
                for t in sub
            ):
                return True
    return False

