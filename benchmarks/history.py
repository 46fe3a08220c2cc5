"""Benchmark of the archive-scale commands: backfill throughput and reprocess speed-up.

    uv run python -m benchmarks.history              # 10,000-record WARC, reprocess 1 vs 2 workers
    uv run python -m benchmarks.history --quick      # 1,000 records: a minute or two
    nice -n 10 uv run python -m benchmarks.history --json out.json

1. writes the benchmark corpus (benchmarks/corpus.py, from ../shared) as a WARC file,
   gzip per record, request + response per page as CC-NEWS does;
2. backfills it in a child process (`--workers 1`): records/s read, articles/s landed,
   peak memory (RSS of the child and its children);
3. strips the events and marks the articles as read by an older model, then times
   `reprocess` with 1 worker and with 2 local Dask workers (`--workers 2`), each in its
   own child process on a copy of the warehouse. The figure is the CPU stage's wall
   time (the shard passes: NLP on the workers, storing in the flow), not the cluster's
   start-up, which is paid once per run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def write_warc(path: Path, n_records: int) -> dict[str, Any]:
    """The corpus as a WARC; `n_records` counts response records (pages)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from benchmarks.corpus import build_corpus

    began = time.perf_counter()
    corpus = build_corpus(n_records)
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "reewatch benchmark"}))
        for item in corpus.items:
            url = "https://bench.example" + item.route
            date = item.published.strftime("%Y-%m-%dT%H:%M:%SZ")
            w.write_record(w.create_warc_record(
                url, "request", payload=BytesIO(b""), warc_headers_dict={"WARC-Date": date},
                http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True)))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=BytesIO(corpus.render_page(item)),
                                                http_headers=headers, warc_headers_dict={"WARC-Date": date}))
    return {"pages": len(corpus.items), "composition": corpus.composition(),
            "bytes": path.stat().st_size, "seconds": time.perf_counter() - began}


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def child_backfill(warc: Path, db: Path) -> dict[str, Any]:
    from flows.backfill import backfill

    marks: list[float] = []
    began = time.perf_counter()
    out = backfill(db=str(db), warc=[str(warc)], progress=lambda name, n: marks.append(time.perf_counter()))
    wall = time.perf_counter() - began
    return {"wall_s": wall, "first_shard_s": (marks[0] - began) if marks else None,
            "records": out["records_read"], "relevant": out["relevant"], "articles": out["articles"],
            "events": len(out["new_events"]), "write_s": out.get("write_seconds"), "peak_rss_mb": _peak_mb()}


def child_reprocess(db: Path, workers: int) -> dict[str, Any]:
    from flows.reprocess import reprocess

    cfg = db.with_suffix(".toml")  # shards of 50 articles: enough of them to keep 2 workers busy
    cfg.write_text(f'article_batch = 50\n[database]\npath = "{db}"\n', encoding="utf-8")
    began = time.perf_counter()
    out = reprocess(config=str(cfg), db=str(db), workers=workers)
    return {"wall_s": time.perf_counter() - began, "cpu_stage_s": out["cpu_stage_seconds"],
            "write_s": out.get("write_seconds"),
            "articles": out["articles"], "new_events": len(out["new_events"]), "workers": workers,
            "peak_rss_mb": _peak_mb()}


def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.history", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _age(db: Path) -> None:
    """The warehouse as an older model left it: articles read by 'bench-old', no events."""
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("DELETE FROM alerts; DELETE FROM event_mentions; DELETE FROM events; "
                "UPDATE articles SET nlp_version = 'bench-old'")
    con.close()


def run(records: int, workers: int, work: Path) -> dict[str, Any]:
    warc = work / "bench.warc.gz"
    made = write_warc(warc, records)
    db = work / "backfill.duckdb"
    back = _child(["child-backfill", str(warc), str(db)])
    back["records_per_s"] = back["records"] / back["wall_s"]
    back["articles_per_s"] = back["articles"] / back["wall_s"]
    _age(db)
    results: dict[str, Any] = {"warc": made, "backfill": back, "reprocess": {}}
    for n in (1, workers):
        copy = work / f"reprocess-{n}.duckdb"
        shutil.copy(db, copy)
        results["reprocess"][n] = _child(["child-reprocess", str(copy), str(n)])
    one, many = results["reprocess"][1], results["reprocess"][workers]
    results["speedup"] = one["cpu_stage_s"] / many["cpu_stage_s"] if many["cpu_stage_s"] else None
    results["conditions"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg(),
                             "nice": os.nice(0), "records": records}
    return results


def report(r: dict[str, Any]) -> str:
    b, w = r["backfill"], r["warc"]
    lines = [
        f"WARC: {w['pages']:,} pages ({w['bytes'] / 1e6:.1f} MB gzip), composition {w['composition']}",
        f"backfill --workers 1: {b['records']:,} records in {b['wall_s']:.1f} s = "
        f"{b['records_per_s']:.1f} records/s read; {b['relevant']:,} relevant, {b['articles']:,} articles "
        f"= {b['articles_per_s']:.1f} articles/s landed; {b['events']} events; peak RSS {b['peak_rss_mb']:.0f} MB"
        f" (first shard landed after {b['first_shard_s'] or 0:.1f} s);"
        f" the writer's share {b['write_s'] or 0:.1f} s",
    ]
    for n, x in r["reprocess"].items():
        lines.append(f"reprocess --workers {n}: {x['articles']:,} articles, CPU stage {x['cpu_stage_s']:.1f} s "
                     f"({x['articles'] / x['cpu_stage_s']:.1f} articles/s), whole run {x['wall_s']:.1f} s, "
                     f"{x['new_events']} events; the writer's share {x['write_s'] or 0:.1f} s")
    if r["speedup"]:
        lines.append(f"speed-up of the CPU stage, {max(r['reprocess'])} workers vs 1: {r['speedup']:.2f}x")
    c = r["conditions"]
    lines.append(f"conditions: {c['cpus']} CPUs, load average {c['load_avg'][0]:.1f}, nice {c['nice']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child-backfill":
        print(json.dumps(child_backfill(Path(argv[1]), Path(argv[2]))))
        return 0
    if argv and argv[0] == "child-reprocess":
        print(json.dumps(child_reprocess(Path(argv[1]), int(argv[2]))))
        return 0
    ap = argparse.ArgumentParser(prog="python -m benchmarks.history", description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=10_000, help="pages in the WARC (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="1,000 pages: a quick rerun")
    ap.add_argument("--workers", type=int, default=2, help="Dask workers to compare with 1 (default 2)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it")
    a = ap.parse_args(argv)
    records = 1000 if a.quick else a.records
    if a.keep:
        a.keep.mkdir(parents=True, exist_ok=True)
        result = run(records, a.workers, a.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="reewatch-history-") as tmp:
            result = run(records, a.workers, Path(tmp))
    print(report(result))
    if a.json:
        a.json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
