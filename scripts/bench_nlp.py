"""Fixed NLP micro-benchmark: EventExtractor.extract on dev + seed gold texts and 1,000
benchmark-corpus articles; prints articles/s and one hash of every event (all fields,
mentions included) so speed work can prove it changes nothing.

Why a cache: the corpus pages go through trafilatura once (about 30 s); the extracted
articles are pickled under /tmp so repeated runs time only the NLP stage.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import pickle
import time
from pathlib import Path

from extractors.evaluate import article_from_line, read_jsonl
from extractors.events import EventExtractor
from extractors.types import Article

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BATCH = 200


def corpus_articles(n: int, seed: int) -> list[Article]:
    """The benchmark corpus as the daily flow would store it (cached after the first run)."""
    cache = Path(f"/tmp/reewatch_bench_nlp_{n}_{seed}.pkl")
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from benchmarks.corpus import build_corpus
    from extractors.articles import extract_article
    from extractors.types import FeedEntry

    corpus = build_corpus(n, seed)
    out = []
    for it in corpus.items:
        url = "http://127.0.0.1:8" + it.route
        entry = FeedEntry("bench:feed", url, it.title, corpus.summary(it), it.published)
        out.append(extract_article(corpus.render_page(it), url, "text/html", "utf-8", entry))
    cache.write_bytes(pickle.dumps(out))
    return out


def event_hash(results: list[list]) -> str:
    h = hashlib.sha1()
    for evs in results:
        h.update(json.dumps([dataclasses.asdict(e) for e in evs], sort_keys=True, default=str).encode())
        h.update(b"|")
    return h.hexdigest()[:16]


def run(ex: EventExtractor, name: str, arts: list[Article]) -> tuple[str, int]:
    t0 = time.perf_counter()
    results: list[list] = []
    for i in range(0, len(arts), BATCH):
        results.extend(ex.extract(arts[i : i + BATCH]))
    dt = time.perf_counter() - t0
    n_ev = sum(len(r) for r in results)
    hx = event_hash(results)
    print(f"{name:8s} {len(arts):5d} articles {dt:7.2f} s {len(arts) / dt:7.1f} articles/s "
          f"events {n_ev:4d} hash {hx}", flush=True)
    return hx, n_ev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20251030)
    ap.add_argument("--skip-corpus", action="store_true")
    args = ap.parse_args()
    sets = {
        "seed": [article_from_line(x) for x in read_jsonl(SHARED / "eval" / "seed.gold.jsonl")],
        "dev": [article_from_line(x) for x in read_jsonl(SHARED / "eval" / "dev.jsonl")],
    }
    if not args.skip_corpus:
        sets["corpus"] = corpus_articles(args.n, args.seed)
    t = time.perf_counter()
    ex = EventExtractor()
    ex.extract(sets["seed"][:3])
    print(f"load+warm-up {time.perf_counter() - t:.1f} s; pipes {ex.nlp.pipe_names}")
    for name, arts in sets.items():
        run(ex, name, arts)


if __name__ == "__main__":
    main()
