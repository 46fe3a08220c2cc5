"""Development loop: run EventExtractor over seed + dev gold files, print metrics and errors."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from extractors.evaluate import format_report, predict_lines, read_jsonl, score
from extractors.events import EventExtractor

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def main() -> None:
    ex = EventExtractor()
    print(ex.nlp_version)
    for name in sys.argv[1:] or ["seed.gold.jsonl", "dev.jsonl"]:
        gold = read_jsonl(SHARED / name)
        t = time.time()
        preds = predict_lines(gold, ex)
        dt = time.time() - t
        res = score(gold, preds)
        print(f"== {name}: {len(gold)} articles in {dt:.1f}s ({len(gold) / dt:.1f}/s)")
        print(format_report(res))


if __name__ == "__main__":
    main()
