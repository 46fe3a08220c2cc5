"""Print false alarms (with the sentences that produced them) and misses on dev."""

from __future__ import annotations

from pathlib import Path

from extractors.evaluate import article_from_line, events_match, read_jsonl
from extractors.events import EventExtractor

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def main() -> None:
    gold = read_jsonl(SHARED / "dev.jsonl")
    ex = EventExtractor()
    res = ex.extract([article_from_line(x) for x in gold])
    for x, evs in zip(gold, res, strict=True):
        for e in evs:
            f = e.to_format()
            if any(events_match(g, f) for g in x["events"]):
                continue
            print(f"FA {x['id'][:40]} {x['published']} {e.type} {e.date} {e.actors}")
            for m in e.mentions[:2]:
                print("     |", m.trigger, "|", m.sentence[:230])


if __name__ == "__main__":
    main()
