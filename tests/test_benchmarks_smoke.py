"""Smoke run of the benchmark at a tiny size: every measurement runs and yields a number.

No timing assertions (this machine's speed is not the code's correctness); the real
benchmark is `uv run python -m benchmarks`. Reads ../shared at run time.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.corpus import build_corpus
from benchmarks.report import render_markdown
from benchmarks.runner import Options, run

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

EXPECTED_ROWS = (
    "corpus: relevant share",
    "extraction (trafilatura stage alone)",
    "NLP stage (EventExtractor.extract)",
    "NLP stage words",
    "pages kept out of text extraction (markup gate)",
    "naive NLP baseline (nlp(text) per article, no gate)",
    "NLP speed-up over naive",
    "end-to-end backfill (daily flow)",
    "Prefect share of backfill wall time",
    "Prefect ephemeral API startup",
    "one task per article vs batch tasks",
    "nothing-new daily run",
    "nothing-new: pages downloaded",
    "nothing-new: NLP calls",
    "peak memory, backfill process",
    "database size per 1,000 articles",
    "row-by-row inserts (executemany)",
    "Arrow inserts (store._write_events)",
    "events --new, in-process query",
    "timeline (CN, 30 days), in-process query",
    "reewatch events --new, CLI subprocess",
    "reewatch timeline --country CN, CLI subprocess",
    "benchmark wall time",
)

needs_shared = pytest.mark.skipif(
    not (SHARED / "eval" / "dev.jsonl").is_file(),
    reason=f"{SHARED} is absent: the benchmark corpus is built from it at run time",
)


@needs_shared
def test_corpus_is_seeded_and_mixed() -> None:
    a, b = build_corpus(60, seed=3), build_corpus(60, seed=3)
    assert [i.route for i in a.items] == [i.route for i in b.items]
    assert a.render_page(a.items[7]) == b.render_page(b.items[7])
    comp = a.composition()
    assert comp["relevant"] == 12 and comp["html_pages"] > 0 and comp["text_pages"] > 0
    assert b"<item>" in a.render_feed(0, "http://127.0.0.1:1")


@needs_shared
@pytest.mark.slow
def test_benchmark_smoke_run(tmp_path: Path) -> None:
    opts = Options(articles=60, extract_pages=10, naive_sample=8, task_sample=8,
                   insert_rows=300, mentions=10_000, cli_repeat=1, overlap=True, out_dir=tmp_path)
    result = run(opts)
    names = [r.name for r in result.rows]
    assert names == list(EXPECTED_ROWS)
    for row in result.rows:
        assert isinstance(row.value, float | int) and math.isfinite(row.value), row
    back = result.raw["pipeline"]["backfill"]
    assert back["new_articles"] > 0
    assert result.raw["pipeline"]["nothing_new"]["server"].get("page_200", 0) == 0
    md = render_markdown(result.rows, result.title)
    assert md.count("\n|") == len(EXPECTED_ROWS) + 2
