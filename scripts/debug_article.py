"""Print gold events and predicted events with their mentions for articles matching a substring."""

from __future__ import annotations

import sys
from pathlib import Path

from extractors.evaluate import article_from_line, read_jsonl
from extractors.events import EventExtractor

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def main() -> None:
    pat = sys.argv[1]
    lines = [x for f in ("seed.gold.jsonl", "dev.jsonl") for x in read_jsonl(SHARED / f) if pat in x["id"]]
    ex = EventExtractor()
    res = ex.extract([article_from_line(x) for x in lines])
    for x, evs in zip(lines, res, strict=True):
        print("=====", x["id"], x["published"])
        for g in x["events"]:
            print("  GOLD", "(opt)" if g.get("optional") else "", g["type"], g["date"], g["actors"], "|", g.get("note", "")[:150])
        for e in evs:
            print("  PRED", e.type, e.date, e.actors, e.amount, e.currency, e.commodities)
            for m in e.mentions:
                print("       -", m.trigger, "|", m.sentence[:200].replace("\n", " "))


if __name__ == "__main__":
    main()
