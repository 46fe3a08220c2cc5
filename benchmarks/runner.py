"""Run every measurement once and assemble the table (see benchmarks/__init__.py for the CLI)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import measure, naive
from benchmarks.corpus import DEFAULT_FEEDS, DEFAULT_SEED, SHARED, Corpus, build_corpus
from benchmarks.report import Row
from benchmarks.server import ServerProcess

ROOT = Path(__file__).resolve().parents[1]
NAN = float("nan")


@dataclass
class Options:
    articles: int = 10_000
    seed: int = DEFAULT_SEED
    feeds: int = DEFAULT_FEEDS
    extract_pages: int = 1000  # trafilatura-alone sample
    naive_sample: int = 200  # articles for the naive full-parse baseline
    task_sample: int = 200  # articles for the one-task-per-article baseline
    insert_rows: int = 10_000  # rows for executemany vs Arrow
    mentions: int = 1_000_000  # synthetic archive for query latency
    cli_repeat: int = 3  # CLI subprocess runs per command (median)
    overlap: bool = False  # run the Prefect-free stages while the child runs (smoke test only)
    out_dir: Path = ROOT / "bench-out"
    shared: Path = SHARED
    prefect_home: Path | None = None

    @classmethod
    def quick(cls, **kw: Any) -> Options:
        base = dict(articles=1000, extract_pages=200, naive_sample=60, task_sample=60,
                    insert_rows=2000, mentions=200_000)
        base.update({k: v for k, v in kw.items() if v is not None})
        return cls(**base)  # type: ignore[arg-type]


@dataclass
class Result:
    rows: list[Row]
    raw: dict[str, Any] = field(default_factory=dict)
    title: str = ""


def _log(msg: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def write_config(path: Path, db: Path, server: ServerProcess, corpus: Corpus) -> Path:
    """A reewatch TOML for the loopback site: its feeds, loopback allowed, no politeness delays."""
    lines = [
        "# Written by the reewatch benchmark; safe to delete.",
        "# The corpus's stories carry fixed dates: the first (and only) poll takes them all.",
        "first_run_days = 36500.0", "",
        "[database]", f"path = {json.dumps(str(db))}", "",
        "[fetch]", f"allow_hosts = [{json.dumps(server.host_port)}]",
        "per_host_delay = 0.0", "per_host = 64", "respect_robots = false",
    ]
    for url in server.feed_urls(corpus):
        lines += ["", "[[feeds]]", f"url = {json.dumps(url)}", f"name = {json.dumps(url.rsplit('/', 1)[-1])}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_pipeline_child(opts: Options, work: Path, server: ServerProcess,
                         corpus: Corpus) -> tuple[subprocess.Popen[str], Path, Path]:
    """Launch benchmarks.pipeline (backfill, nothing new, per-task baseline) in its own process."""
    db = work / "backfill.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    config = write_config(work / "backfill.toml", db, server, corpus)
    out = work / "pipeline.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REEWATCH_ALERT_URLS": ""}
    home = Path(env.setdefault("PREFECT_HOME", str(opts.prefect_home or (ROOT / "bench-out" / "prefect-home"))))
    home.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.pipeline", "--config", str(config), "--db", str(db),
           "--server", server.base_url, "--out", str(out), "--sample", str(opts.task_sample)]
    log = (work / "pipeline.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    log.close()
    return proc, out, db


def finish_pipeline_child(proc: subprocess.Popen[str], out: Path, db: Path) -> dict[str, Any]:
    code = proc.wait()
    if code != 0 or not out.exists():
        tail = (out.parent / "pipeline.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"pipeline child failed ({code}): {tail}")
    data = json.loads(out.read_text(encoding="utf-8"))
    data["db"] = str(db)
    return data


def run(opts: Options) -> Result:
    """Every measurement, in an order that keeps them from competing for the two cores."""
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    work = opts.out_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    raw: dict[str, Any] = {"options": {k: str(v) for k, v in vars(opts).items()}}
    server = ServerProcess(opts.articles, opts.seed, opts.feeds, opts.shared).start()
    try:
        _log(f"building the corpus ({opts.articles} articles) and starting the loopback server")
        corpus = build_corpus(opts.articles, opts.seed, opts.feeds, opts.shared)
        raw["corpus"] = corpus.composition()
        _log("backfill + nothing-new + per-task baseline through Prefect (child process)")
        child = start_pipeline_child(opts, work, server, corpus)
        if opts.overlap:  # smoke runs: numbers do not matter, wall time does
            _stages_without_prefect(opts, corpus, work, raw)
        pipe = finish_pipeline_child(*child)
    finally:
        server.stop()
    raw["pipeline"] = pipe
    if not opts.overlap:
        _stages_without_prefect(opts, corpus, work, raw)
    db = Path(pipe["db"])
    raw["archive"] = measure.archive_stats(db)
    _log(f"NLP: gated batches vs naive full parse on {opts.naive_sample} stored articles")
    from extractors.events import EventExtractor

    extractor = EventExtractor()
    sample = measure.stored_articles(db, opts.naive_sample)
    extractor.extract(sample[:3])  # warm-up
    raw["nlp_compare"] = vars(naive.compare_nlp(extractor, sample))
    raw["total_s"] = time.perf_counter() - t_start
    raw["loadavg"] = [load_start, os.getloadavg()[0]]
    rows = build_rows(opts, raw, corpus)
    title = (f"reewatch benchmark: {opts.articles:,} articles, {opts.feeds} feeds, seed {opts.seed}, "
             f"{os.cpu_count()} CPUs (load {load_start:.1f} at start, {raw['loadavg'][1]:.1f} at end), "
             f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    return Result(rows, raw, title)


def _stages_without_prefect(opts: Options, corpus: Corpus, work: Path, raw: dict[str, Any]) -> None:
    """Extraction alone, inserts, synthetic archive and query latency (no backfill needed)."""
    _log(f"trafilatura stage alone on {opts.extract_pages} pages")
    ext_res = measure.extraction(corpus, opts.extract_pages)
    raw["extraction"] = {"pages": ext_res.pages, "seconds": ext_res.seconds, "fallbacks": ext_res.fallbacks}
    _log(f"inserts: executemany vs Arrow, {opts.insert_rows} mentions")
    raw["inserts"] = naive.compare_inserts(work, opts.insert_rows)
    _log(f"synthetic archive of {opts.mentions:,} mentions and query latency")
    today = measure.today_utc()
    synth_db = work / "synthetic.duckdb"
    raw["synthetic"] = measure.build_synthetic(synth_db, opts.mentions, today)
    raw["queries"] = measure.query_latency(synth_db, today, cli_repeat=opts.cli_repeat)


def _ratio(a: float, b: float) -> float:
    return a / b if b else NAN


def build_rows(opts: Options, raw: dict[str, Any], corpus: Corpus) -> list[Row]:
    comp = raw["corpus"]
    pipe = raw["pipeline"]
    back, idle, per = pipe["backfill"], pipe["nothing_new"], pipe["per_task"]
    arc, cmp, ins, q = raw["archive"], raw["nlp_compare"], raw["inserts"], raw["queries"]
    ext = raw["extraction"]
    n = opts.articles
    rows: list[Row] = []
    rel = comp.get("relevant", 0)
    rows.append(Row("corpus: relevant share", 100 * rel / n, "%", note=(
        f"{n:,} articles: {rel} relevant, {comp.get('near_miss', 0)} near misses, "
        f"{comp.get('irrelevant', 0)} other; {comp.get('html_pages', 0)} real saved pages, "
        f"{comp.get('text_pages', 0)} eval texts in a page template")))
    rows.append(Row("extraction (trafilatura stage alone)", _ratio(ext["pages"], ext["seconds"]), "pages/s",
                    note=f"extract_article on {ext['pages']} pages, one thread, {ext['fallbacks']} feed fallbacks"))
    secs = back["timers"]["seconds"]
    nlp_items = back["timers"]["items"].get("fn:extract", 0)
    nlp_s = secs.get("fn:extract", NAN)
    rows.append(Row("NLP stage (EventExtractor.extract)", _ratio(nlp_items, nlp_s), "articles/s",
                    note=f"{nlp_items:,} articles of the backfill in batches of 200, {nlp_s:.0f} s"))
    words_per_article = arc["words"] / arc["articles"] if arc["articles"] else 0
    rows.append(Row("NLP stage words", _ratio(nlp_items * words_per_article, nlp_s), "words/s",
                    note=f"{words_per_article:.0f} words per stored article on average (pages that "
                         "name no mineral keep only their feed summary)"))
    skipped = arc.get("skipped", 0)
    rows.append(Row("pages kept out of text extraction (markup gate)", 100 * skipped / max(1, arc["articles"]),
                    "%", note=f"{skipped:,} of {arc['articles']:,} pages name no critical mineral: "
                              "stored raw, never run through trafilatura"))
    gated_rate = _ratio(cmp["articles"], cmp["gated_s"])
    naive_rate = _ratio(cmp["articles"], cmp["naive_s"])
    speedup = _ratio(gated_rate, naive_rate)
    rows.append(Row("naive NLP baseline (nlp(text) per article, no gate)", naive_rate, "articles/s",
                    note=f"same {cmp['articles']} stored articles, full page texts; gated+batched: "
                         f"{gated_rate:.1f}/s"))
    rows.append(Row("NLP speed-up over naive", speedup, "x", ">= 5x, same events",
                    ok=bool(speedup >= 5 and cmp["identical"]),
                    note=("events identical" if cmp["identical"] else
                          f"events DIFFER in {cmp['differing_articles']} articles")
                    + f" ({cmp['gated_events']} vs {cmp['naive_events']})"))
    e2e = _ratio(back["new_articles"], back["wall_s"])
    rows.append(Row("end-to-end backfill (daily flow)", e2e, "articles/s", ">= 25", ok=e2e >= 25,
                    note=f"{back['new_articles']:,} articles, {back['new_events']:,} new events in "
                         f"{back['wall_s']:.0f} s (fetch {secs.get('fn:fetch_articles', 0):.0f} s, "
                         f"NLP {secs.get('fn:extract', 0):.0f} s)"))
    share = 100 * back["prefect_share"]
    rows.append(Row("Prefect share of backfill wall time", share, "%", "< 15%", ok=share < 15,
                    note=f"{back['prefect_s']:.1f} s outside the plain functions"))
    rows.append(Row("Prefect ephemeral API startup", pipe["prefect_startup_s"], "s",
                    note="before the first flow; not in the figures above"))
    per_task_ms = 1000 * (per["per_article_flow_s"] - per["plain_s"]) / max(1, per["articles"])
    rows.append(Row("one task per article vs batch tasks", _ratio(per["per_article_flow_s"], per["batch_flow_s"]),
                    "x slower", note=f"{per['articles']} articles: {per['per_article_flow_s']:.1f} s mapped, "
                                     f"{per['batch_flow_s']:.1f} s batched, {per['plain_s']:.1f} s no Prefect "
                                     f"({per_task_ms:.0f} ms/article of overhead)"))
    rows.append(Row("nothing-new daily run", idle["wall_s"], "s", "< 5 s", ok=idle["wall_s"] < 5,
                    note=f"flow wall, API warm; run_pipeline {idle['run_pipeline_s']:.2f} s; "
                         f"{idle['feeds_not_modified']}/{idle['feeds_polled']} feeds 304"))
    pages = idle["server"].get("page_200", 0)
    rows.append(Row("nothing-new: pages downloaded", pages, "pages", "0", ok=pages == 0))
    rows.append(Row("nothing-new: NLP calls", idle["nlp_calls"], "calls", "0", ok=idle["nlp_calls"] == 0,
                    note=f"{idle['nlp_articles']} articles sent to the extractor"))
    rss = back["maxrss_mb"]
    rows.append(Row("peak memory, backfill process", rss, "MB", "< 1536 MB", ok=rss < 1536,
                    note=f"ru_maxrss of the flow process ({pipe['maxrss_before_mb']:.0f} MB before the flow)"))
    per_k = arc["bytes"] / max(1, arc["articles"]) * 1000 / 1e6
    raw_share = 100 * arc["raw_html_gz_bytes"] / arc["bytes"] if arc["bytes"] else 0
    rows.append(Row("database size per 1,000 articles", per_k, "MB",
                    note=f"{arc['bytes'] / 1e6:.0f} MB for {arc['articles']:,} articles; raw HTML (gzip) is "
                         f"{raw_share:.0f}% of it; {arc['mentions']:,} mentions"))
    em, ar = ins["executemany_s"], ins["arrow_s"]
    rows.append(Row("row-by-row inserts (executemany)", _ratio(ins["rows"], em), "rows/s",
                    note=f"{int(ins['rows']):,} event mentions"))
    rows.append(Row("Arrow inserts (store._write_events)", _ratio(ins["rows"], ar), "rows/s",
                    note=f"{_ratio(em, ar):.0f}x faster than executemany"))
    syn = raw["synthetic"]
    tag = f"{syn['mentions']:,} mentions, {syn['events']:,} events"
    for key, label, rows_key in (("new", "events --new", "new_rows"), ("timeline", "timeline (CN, 30 days)", "timeline_rows")):
        ms = q[f"{key}_ms"]
        rows.append(Row(f"{label}, in-process query", ms, "ms", "< 200 ms", ok=ms < 200,
                        note=f"{tag}; {q[rows_key]:,} rows; median of 5 warm"))
    for key, label in (("events_new", "reewatch events --new"), ("timeline", "reewatch timeline --country CN")):
        ms = q[f"cli_{key}_ms"]
        rows.append(Row(f"{label}, CLI subprocess", ms, "ms", "< 200 ms", ok=ms < 200,
                        note=f"median of {opts.cli_repeat}; `import flows.cli` alone {q['cli_import_ms']:.0f} ms"))
    rows.append(Row("benchmark wall time", raw["total_s"], "s", note="whole run"))
    return rows
