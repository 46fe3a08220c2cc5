"""reewatch's performance benchmark: `uv run python -m benchmarks [--articles 10000] [--quick]`.

It builds a seeded corpus from ../shared (read at run time, never copied), serves
it as feeds and pages from a loopback server in its own process, runs the real
daily Prefect flow over it, measures every stage against its naive baseline in
the same run, and prints one table with PASS/MISS against the project's targets
(also written to bench-out/latest.md). It is not part of the test suite;
tests/test_benchmarks_smoke.py runs it at a tiny size.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.corpus import SHARED, SharedDataMissing

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 also when skipped for lack of ../shared (the message says so)."""
    from benchmarks.report import render_markdown, render_rich
    from benchmarks.runner import ROOT, Options, run

    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=None, help="corpus size (default 10000; 1000 with --quick)")
    ap.add_argument("--quick", action="store_true", help="small sizes for a fast look")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--feeds", type=int, default=None)
    ap.add_argument("--mentions", type=int, default=None, help="synthetic archive size for query latency")
    ap.add_argument("--naive-sample", type=int, default=None)
    ap.add_argument("--task-sample", type=int, default=None)
    ap.add_argument("--extract-pages", type=int, default=None)
    ap.add_argument("--insert-rows", type=int, default=None)
    ap.add_argument("--out-dir", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--shared", type=Path, default=SHARED)
    a = ap.parse_args(argv)
    given = {
        "articles": a.articles, "seed": a.seed, "feeds": a.feeds, "mentions": a.mentions,
        "naive_sample": a.naive_sample, "task_sample": a.task_sample,
        "extract_pages": a.extract_pages, "insert_rows": a.insert_rows,
    }
    given = {k: v for k, v in given.items() if v is not None}
    opts = Options.quick(**given) if a.quick else Options(**given)
    opts.out_dir, opts.shared = a.out_dir, a.shared
    if not (opts.shared / "eval" / "dev.jsonl").is_file():
        print(f"benchmark skipped: {opts.shared} is absent (eval sets and peer pages are read "
              "from it at run time; it ships with CI, not with a clone)")
        return 0
    try:
        result = run(opts)
    except SharedDataMissing as exc:
        print(f"benchmark skipped: {exc}")
        return 0
    render_rich(result.rows, result.title)
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    md = render_markdown(result.rows, result.title,
                         footer="Produced by `uv run python -m benchmarks`; raw figures in bench-out/latest.json.")
    (opts.out_dir / "latest.md").write_text(md, encoding="utf-8")
    (opts.out_dir / "latest.json").write_text(json.dumps(result.raw, indent=2, default=str), encoding="utf-8")
    print(f"table written to {opts.out_dir / 'latest.md'}")
    return 0
