"""The parse of the candidate sentences, with the statistical NER only where it can matter.

Why staged: NER is over half of spaCy's time, and most candidate sentences hold no trigger.
Stage one runs everything but NER (the parse and the domain ruler); a sentence whose
NER-less parse shows a trigger (or that the type model flags), the three sentences before
it (where its parties may be named), the lede and the title then get NER (ner does not
read the parse, so running it afterwards gives the same entities as the full pipeline);
other sentences keep their ruler and company-shape entities only.
"""

from __future__ import annotations

import models
from extractors.events.context import Seg, StageData
from extractors.events.rules import ACTOR_LOOKBACK, LEDE
from extractors.events.triggers import find_triggers
from extractors.events.type_decision import model_says

STAGED_NER = True  # statistical NER only on sentences near a trigger


def parse(
    nlp, data: StageData, to_parse: list[Seg], plans: list[list[Seg]], full_ner: bool = False, batch_size: int = 64
) -> None:
    """Set `doc` on every sentence of `to_parse` (`plans`: the segments of each article).
    `full_ner` runs the statistical NER on every parsed sentence."""
    if not to_parse:
        return
    if full_ner or not STAGED_NER or "ner" not in nlp.pipe_names:
        for seg, doc in zip(to_parse, nlp.pipe([s.text for s in to_parse], batch_size=batch_size), strict=True):
            seg.doc = doc
        return
    ner, org = nlp.get_pipe("ner"), nlp.get_pipe(models.ORG_NAME)
    first = [n for n in nlp.pipe_names if n not in ("ner", models.ORG_NAME)]
    with nlp.select_pipes(enable=first):
        bare = dict(zip(map(id, to_parse), nlp.pipe([s.text for s in to_parse], batch_size=batch_size), strict=True))
    wanted: list[Seg] = []
    for segs in plans:
        want: set[int] = set()
        body = [n for n, s in enumerate(segs) if not s.is_title]
        want.update(body[:LEDE])
        for n, s in enumerate(segs):
            doc = bare.get(id(s))
            if doc is None:
                continue
            s.doc = org(doc.copy())  # the probe: what the rules see without NER
            if s.is_title:
                want.add(n)
            elif model_says(data, s) or find_triggers(data, s):
                want.update(range(max(0, n - ACTOR_LOOKBACK), n + 1))
        wanted += [segs[n] for n in sorted(want) if id(segs[n]) in bare]
    for seg, doc in zip(wanted, ner.pipe([bare[id(s)] for s in wanted], batch_size=batch_size), strict=True):
        seg.doc = org(doc)
