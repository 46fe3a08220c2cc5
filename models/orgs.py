"""Organisations the domain list does not know: spaCy's statistical NER plus company-name shapes.

Why: real news names far more companies and agencies than any pattern list will hold
("Aclara Resources Inc.", "a Perth-listed miner, Kestrel Metals"); without them the
actor of an investment or a supply deal falls back to a country (the wrong party) or
the event is lost. The component runs after the domain EntityRuler and the statistical
NER (which respects the ruler's spans), and rewrites the NER entities into the labels
the event rules read:

- ORG naming a government body ("the Ministry of Mines", "Export Development Canada")
  -> AGENCY, with the country it speaks for when the name or its possessor says so
  (``doc.user_data[AGENCY_COUNTRY]``);
- other ORG -> COMPANY (news outlets and wire services are dropped);
- GPE / NORP / LOC that are countries -> GPE with the ISO code; other places
  ("Texas", "Geraldton") -> PLACE (never a party);
- PERSON and the rest stay as they are (the rules ignore them).

A run of capitalised tokens ending in a company word ("... Magnetics", "... Rare Earths",
"... Resources", "... Inc") becomes a COMPANY even when NER missed it or the ruler read
"Rare Earths" as a commodity. Headline-style (Title Case) texts get no statistical or
shape organisations: every word is capitalised there, so shapes mean nothing.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

AGENCY_COUNTRY = "ree_agency_country"  # doc.user_data key: {(start_char, end_char): ISO code}

_GOV_WORDS = {
    "ministry", "ministries", "department", "agency", "commission", "bureau", "office",
    "administration", "authority", "council", "government", "cabinet", "parliament",
    "congress", "senate", "customs", "treasury", "regulator", "directorate", "secretariat",
    "survey", "service", "assembly", "state", "mofcom", "miit",
}
# export credit agencies and state lenders are agencies too ("Export Development Canada")
_GOV_PHRASES = re.compile(
    r"\b(?:export[- ](?:import|finance|development|credit)|development (?:bank|finance)|"
    r"national bank|state bank|sovereign (?:wealth )?fund|central bank)\b",
    re.IGNORECASE,
)
_MEDIA = {
    "reuters", "bloomberg", "ap", "associated press", "afp", "bbc", "cnn", "fox news", "cnbc",
    "xinhua", "financial times", "ft", "wall street journal", "wsj", "caixin", "global times",
    "nikkei", "nikkei asia", "kyodo", "yonhap", "the guardian", "guardian", "new york times",
    "washington post", "politico", "axios", "grist", "carbon brief", "climate home news",
    "fastmarkets", "argus", "benchmark mineral intelligence", "s&p global", "mining.com",
    "the economist", "south china morning post", "scmp", "the times", "abc", "cbs", "nbc",
    "npr", "sky news", "al jazeera", "dow jones", "marketwatch", "the hill", "newsweek",
}
# the last word of a company name ("Kestrel Magnetics", "Aclara Resources", "Acme Corp")
_LEGAL = {"inc", "inc.", "ltd", "ltd.", "corp", "corp.", "co", "co.", "plc", "llc", "limited",
          "corporation", "ag", "sa", "nv", "gmbh", "bhd", "pty", "s.a.", "n.v."}
_COMPANY_END = _LEGAL | {
    "magnetics", "metals", "materials", "minerals", "mining", "mines", "resources", "earths",
    "technologies", "industries", "holdings", "group", "lithium", "graphite", "nickel",
    "cobalt", "elements", "exploration", "chemicals", "chemical", "alloys", "magnets",
    "energy", "motors", "steel", "company", "refining", "ventures",
}
# words that do not make a name on their own ("Critical Minerals", "China Rare Earths")
_GENERIC = {
    "critical", "strategic", "raw", "rare", "earth", "earths", "mineral", "minerals", "metal",
    "metals", "material", "materials", "mining", "energy", "the", "and", "&", "of", "clean",
    "green", "battery", "heavy", "light", "new", "global", "international", "national",
    "federal", "state", "key", "advanced",
}
_HEADLINE_MIN_WORDS = 4


NER_ORG = "ORG_GUESS"  # an organisation only the statistical NER vouches for
# NER "organisations" that are documents, meetings or roles, not parties
_NOT_PARTY = {
    "partnership", "agreement", "framework", "act", "strategy", "initiative", "summit",
    "conference", "forum", "dialogue", "plan", "programme", "program", "order", "declaration",
    "accord", "treaty", "memorandum", "participant", "participants", "party", "parties", "side",
    "sides", "signatory", "signatories", "project", "property", "zone", "images", "photo",
    "indigenous", "nations", "monument", "trench",
}
_NAME_OK = re.compile(r"^[A-Za-z0-9][\w .&'’-]*$")


def _plausible_name(name: str, span: Span) -> bool:
    """A name a party could have: letters, no markup or URL, not a document or meeting."""
    if not name or len(span) > 8 or not _NAME_OK.match(name) or not any(c.isalpha() for c in name):
        return False
    words = name.lower().split()
    if name.isupper() and len(words) > 2:
        return False  # a shouted heading ("REVITALIZING AMERICAN DOMINANCE ...")
    if words[-1] in _NOT_PARTY or words[0] in ("a", "an", "cop") or re.match(r"cop\d", words[0]):
        return False
    if all(w in _GENERIC or w in _COMPANY_END or w == "natural" for w in words):
        return False  # "Mining", "Natural Resources"
    return words[-1] not in ("of", "and", "for", "the")


def _country(text: str) -> str | None:
    from extractors.geo import country_code

    return country_code(text)


def _headline_like(doc: Doc) -> bool:
    """Title Case text (headlines): most alphabetic words start with a capital."""
    words = [t for t in doc if t.is_alpha and len(t) > 3]
    if len(words) < _HEADLINE_MIN_WORDS:
        return False
    return sum(t.text[0].isupper() for t in words) / len(words) >= 0.7


def _namey(tok) -> bool:
    t = tok.text
    if tok.lower_ in _LEGAL:
        return True
    if t in ("&", "-") or (t.isupper() and len(t) > 5):
        return False  # long all-caps words are shouted headings, not names
    return (t[:1].isupper() and any(c.isalpha() for c in t)) or (t[:1].isdigit() and any(c.isupper() for c in t))


def _strip_name(text: str) -> str:
    """Short name: no leading article, no trailing legal suffix or punctuation."""
    s = re.sub(r"^(?:the|The)\s+", "", text.strip())
    s = re.sub(r"[\s,]+(?:Inc|Ltd|Corp|Co|Plc|PLC|plc|LLC|Limited|Corporation|AG|SA|NV|GmbH|Bhd|Pty)\.?$", "", s)
    return s.strip(" ,.")


def _shape_spans(doc: Doc) -> list[tuple[int, int]]:
    """Runs of capitalised tokens that end in a company word and hold a real name word."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(doc)
    while i < n:
        if not _namey(doc[i]):
            i += 1
            continue
        j = i
        while j < n and (_namey(doc[j]) or (doc[j].text == "&" and j + 1 < n and _namey(doc[j + 1]))):
            j += 1
        run = list(range(i, j))
        # trim to the last company word of the run ("Kestrel Magnetics Inc said" -> ... Inc)
        while run and doc[run[-1]].lower_ not in _COMPANY_END:
            run.pop()
        if len(run) >= 2:
            start = run[0]
            if doc[start].is_sent_start and doc[start].lower_ == "the":
                start += 1
            words = [doc[k] for k in range(start, run[-1] + 1)]
            name_words = [
                t for t in words
                if t.lower_ not in _GENERIC and t.lower_ not in _COMPANY_END and _country(t.text) is None
            ]
            if len(words) >= 2 and name_words:
                out.append((start, run[-1] + 1))
        i = j + 1 if j > i else i + 1
    return out


def _agency_country(doc: Doc, span: Span) -> str | None:
    """The country a government body speaks for: in its name, its possessor, or "of X" after."""
    for t in span:
        if t.ent_type_ == "GPE" and t.ent_id_:
            return t.ent_id_
        code = _country(t.text)
        if code is not None:
            return code
    s = span.start
    if s >= 2 and doc[s - 1].lower_ in ("'s", "’s"):
        code = doc[s - 2].ent_id_ if doc[s - 2].ent_type_ == "GPE" else _country(doc[s - 2].text)
        if code:
            return code
    if s >= 1 and doc[s - 1].ent_type_ == "GPE" and doc[s - 1].ent_id_:
        return doc[s - 1].ent_id_  # "Brazilian mines ministry"
    e = span.end
    if e + 1 < len(doc) and doc[e].lower_ in ("of", "in") and doc[e + 1].ent_id_ and doc[e + 1].ent_type_ == "GPE":
        return doc[e + 1].ent_id_
    return None


@Language.component("ree_org_entities")
def org_entities(doc: Doc) -> Doc:
    """Rewrite statistical entities into the domain labels and add company-name shapes."""
    headline = _headline_like(doc)
    agency_country: dict[tuple[int, int], str] = {}
    keep: list[Span] = []
    skip: set[int] = set()
    for e in doc.ents:
        if e.start in skip:
            continue
        if e.ent_id_:  # the domain ruler's entity: it wins
            keep.append(e)
            continue
        label = e.label_
        text = e.text
        if label in ("GPE", "NORP", "LOC"):
            code = _country(text)
            if code is not None:
                keep.append(Span(doc, e.start, e.end, label="GPE", span_id=code))
            elif label != "NORP":
                keep.append(Span(doc, e.start, e.end, label="PLACE"))
            continue
        if label == "ORG":
            name = _strip_name(re.sub(r"['’]s$", "", text))
            low = name.lower()
            if headline or not _plausible_name(name, e) or low in _MEDIA:
                continue
            if _country(name) is not None:
                keep.append(Span(doc, e.start, e.end, label="GPE", span_id=_country(name)))
                continue
            words = set(re.findall(r"[a-z]+", low))
            if words & _GOV_WORDS or _GOV_PHRASES.search(low):
                end = e.end
                if end < len(doc) and doc[end].ent_type_ == "GPE" and doc[end].ent_id_ and doc[end].ent_iob_ == "B":
                    # "Export Development Canada": the country closes the agency's name
                    nxt = next(x for x in doc.ents if x.start == end)
                    end = nxt.end
                    name = _strip_name(doc[e.start:end].text)
                    keep = [k for k in keep if k.start != nxt.start]
                    skip.add(nxt.start)
                span = Span(doc, e.start, end, label="AGENCY", span_id=name)
                code = _agency_country(doc, span)
                if code:
                    agency_country[(span.start_char, span.end_char)] = code
                elif not words - _GOV_WORDS - {"the", "of", "and"}:
                    continue  # "the Government", "Congress": whose, is not said here
                keep.append(span)
            elif name.isupper() and len(name) <= 2:
                continue  # "AP", "EV": too short to be a party
            else:
                # statistical guess: a party, but a weak one (the rules still look for countries)
                keep.append(Span(doc, e.start, e.end, label=NER_ORG, span_id=name))
            continue
        keep.append(e)
    if not headline:
        for s, t in _shape_spans(doc):
            over = [k for k in keep if k.start < t and s < k.end]
            if any(k.ent_id_ and k.label_ not in ("COMMODITY", "GPE") for k in over):
                continue  # a listed company, agency or leader keeps its normalised name
            keep = [k for k in keep if k not in over]
            keep.append(Span(doc, s, t, label="COMPANY", span_id=_strip_name(doc[s:t].text)))
    doc.ents = sorted(keep, key=lambda x: x.start)
    doc.user_data[AGENCY_COUNTRY] = agency_country
    return doc
