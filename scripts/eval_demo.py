"""Score the event stage on the demo news world (an independent check: its pages and
expected events were written apart from the rules). Prints FORMAT.md metrics.

    uv run python scripts/eval_demo.py
"""

from __future__ import annotations

import json
from pathlib import Path

from extractors.articles import extract_article
from extractors.evaluate import format_report, score
from extractors.types import FeedEntry
from flows.daily import get_extractor

DATA = Path(__file__).resolve().parents[1] / "flows" / "demo_data"


def main() -> None:
    manifest = json.loads((DATA / "manifest.json").read_text())
    routes = manifest["routes"]
    gold, articles = [], []
    for a in manifest["articles"]:
        if a.get("kind") != "html":
            continue
        route = routes[a["route"]] if isinstance(routes, dict) else next(r for r in routes if r["route"] == a["route"])
        body = (DATA / route["file"]).read_bytes().replace(b"{base}", b"http://127.0.0.1:8765")
        from datetime import datetime

        pub = datetime.fromisoformat(a["published"])
        entry = FeedEntry(feed_url="", url="http://127.0.0.1:8765" + a["route"], title=a["title"], published=pub)
        art = extract_article(body, entry.url, "text/html", "utf-8", entry)
        art.id = a["key"]
        articles.append(art)
        gold.append({"id": a["key"], "events": a.get("events") or []})
    results = get_extractor().extract(articles)
    pred = {art.id: [e.to_format() for e in evs] for art, evs in zip(articles, results, strict=True)}
    print(format_report(score(gold, pred)))


if __name__ == "__main__":
    main()
