"""Why a text yields (or misses) an event: per sentence its parse, the rule triggers with
their veto, and the events of the whole text. For trying made-up sentences while
fixing a class of errors (never for tuning to a gold article).

    uv run python scripts/trace_text.py 2025-10-30 "The two leaders signed a deal on rare earths."
"""

from __future__ import annotations

import os
import sys
from datetime import date

from extractors.events import EventExtractor
from extractors.events.modality import vetoed
from extractors.events.triggers import _governor, match_rule
from extractors.types import Article


def main() -> None:
    pub = date.fromisoformat(sys.argv[1])
    ex = EventExtractor(type_model=None)
    for text in sys.argv[2:]:
        print("=" * 20)
        trace(ex, pub, text, verbose=bool(os.environ.get("TRACE_PARSE")))


def trace(ex: EventExtractor, pub: date, text: str, verbose: bool = False) -> None:
    art = Article(id="t", url=None, title="", text=text, published=pub)
    plans = ex.prepare([art])
    for seg in plans[0] or []:
        if seg.doc is None:
            print("-- not parsed:", seg.text[:120])
            continue
        print("--", seg.text)
        if verbose:
            print("   ", " ".join(f"{t.text}/{t.lemma_}/{t.pos_}/{t.tag_}/{t.dep_}<{t.head.i}" for t in seg.doc))
        print("   ents:", [(e.text, e.label_, e.ent_id_) for e in seg.doc.ents])
        data = ex.data
        for tok in seg.doc:
            for n in data.rules_by_word.get(tok.lemma_.lower(), ()):
                rule = data.rules[n]
                typ, support = match_rule(data, rule, tok)
                if typ is None:
                    continue
                verb = tok if rule.cue == "verb" else (support or _governor(tok))
                print(f"   trigger {tok.text}({tok.i}) rule {n} -> {typ} verb {verb} vetoed {vetoed(data, tok, verb, typ)}")
    for ev in ex.decide([art], plans)[0]:
        print("EVENT", ev.type, ev.date, ev.date_precision, ev.actors, ev.commodities, ev.amount, ev.currency)


if __name__ == "__main__":
    main()
