"""The parse of the candidate sentences, with the statistical NER only where it can matter.

Why staged: NER is about half of spaCy's time, and most candidate sentences hold no
trigger. Stage one runs everything but NER (the parse and the domain ruler). A sentence
on whose NER-less parse some rule may fire (`triggers.may_trigger`, a superset of the
rules' matches that needs no statistical entity), or that the type model flags, then gets
NER, and so do the title and the sentence before each such sentence (where its parties
are often named; when it was no candidate it gets entities only, as context). ner reads
neither the parse nor the tags (it has its own token vectors), so running it afterwards,
or on an unparsed doc, gives the same entities as the full pipeline; other sentences keep
their ruler and company-shape entities only.
"""

from __future__ import annotations

import models
from extractors.events.context import Seg, StageData
from extractors.events.triggers import may_trigger
from extractors.events.type_decision import model_says

STAGED_NER = True  # statistical NER only on sentences near a possible trigger


def parse(
    nlp, data: StageData, to_parse: list[Seg], plans: list[list[Seg]], staged: bool = True, batch_size: int = 64
) -> None:
    """Set `doc` on every sentence of `to_parse` (`plans`: the segments of each article);
    `staged=False` runs the statistical NER on every one."""
    if not to_parse:
        return
    if not staged or not STAGED_NER or "ner" not in nlp.pipe_names:
        for seg, doc in zip(to_parse, nlp.pipe([s.text for s in to_parse], batch_size=batch_size), strict=True):
            seg.doc = doc
        return
    ner, org = nlp.get_pipe("ner"), nlp.get_pipe(models.ORG_NAME)
    first = [n for n in nlp.pipe_names if n not in ("ner", models.ORG_NAME)]
    with nlp.select_pipes(enable=first):
        bare = dict(zip(map(id, to_parse), nlp.pipe([s.text for s in to_parse], batch_size=batch_size), strict=True))
    wanted: list[Seg] = []
    context: list[Seg] = []  # sentences before a trigger that were not parsed
    for segs in plans:
        want: set[int] = set()
        for n, s in enumerate(segs):
            doc = bare.get(id(s))
            if doc is None:
                continue
            s.doc = org(doc.copy())  # the probe: what the rules see without NER
            if s.is_title or model_says(data, s) or may_trigger(data, s):
                want.add(n)
                if n > 0 and not segs[n - 1].is_title:
                    want.add(n - 1)
        wanted += [segs[n] for n in sorted(want) if id(segs[n]) in bare]
        context += [segs[n] for n in sorted(want) if id(segs[n]) not in bare and segs[n].light is None]
    for seg, doc in zip(wanted, ner.pipe([bare[id(s)] for s in wanted], batch_size=batch_size), strict=True):
        seg.doc = org(doc)
    light = [data.light_doc(s.text) for s in context]  # tokens and domain entities, no parse
    for seg, doc in zip(context, ner.pipe(light, batch_size=batch_size), strict=True):
        seg.light = org(doc)  # entities for party lookups; not an event sentence (no `doc`)
