"""Reprocess: a new model does not make the daily run re-read the archive; `reewatch
reprocess` does, retires what the new model no longer finds, re-reads skipped pages
when the markup gate changes, and never alerts twice. Real Prefect runs, real DuckDB."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.httpserver import TestServer
from tests.newsworld import NewsWorld, Story
from tests.warehouse_query import q

pytestmark = pytest.mark.slow


def utc(day: int) -> datetime:
    return datetime(2026, 5, day, 9, tzinfo=UTC)


STORIES = [
    Story("harbourpost", "antimony-curbs", "Beijing restricts antimony shipments", utc(6), [
        "China's commerce ministry on Tuesday imposed export controls on antimony and gallium "
        "products, requiring exporters to apply for a licence for every shipment.",
        "Traders in Rotterdam said prices of antimony ingots rose after the notice.",
        "The ministry said the measure protects national security.",
    ]),
    Story("fieldgazette", "nickel-pact", "Indonesia and Japan sign nickel agreement", utc(7), [
        "Indonesia and Japan signed a critical minerals agreement on Wednesday covering nickel "
        "and cobalt processing, the two trade ministers announced in Jakarta.",
        "The agreement sets up a joint fund for refineries on Sulawesi.",
        "Battery makers welcomed the deal.",
    ]),
    Story("harbourpost", "rain-weekend", "Heavy rain expected at the weekend", utc(7), [
        "Forecasters expect heavy rain across the north of the country at the weekend, with "
        "local flooding possible near rivers.",
        "Drivers are advised to check the roads before setting out.",
        "Temperatures will stay mild for the season.",
    ]),
]


@pytest.fixture()
def archive(prefect_server, tmp_path):
    """A warehouse after one daily run over the stories (extraction in this process)."""
    from flows.daily import daily

    server = TestServer()
    world = NewsWorld(server)
    for s in STORIES:
        world.add(s)
    db = tmp_path / "w.duckdb"
    cfg = world.write_config(tmp_path / "reewatch.toml", db, extra="")
    text = cfg.read_text().replace("[fetch]\n", "[fetch]\nextract_workers = 0\n")
    cfg.write_text(text)
    try:
        first = daily(config=str(cfg), db=str(db))
    finally:
        server.close()
    assert first["new_articles"] == 3
    return cfg, db, first


def _events(db: Path) -> set[tuple]:
    return {(t, d, tuple(sorted(a)), tuple(sorted(c))) for t, d, a, c in
            q(db, "select type, date, actors, commodities from event_timeline")}


def test_model_change_daily_reads_nothing_reprocess_catches_up(archive, monkeypatch) -> None:
    from flows.daily import daily, get_extractor
    from flows.reprocess import reprocess

    cfg, db, first = archive
    before = _events(db)
    assert len(before) >= 2
    alerts_before = q(db, "select count(*) from alerts")[0][0]
    monkeypatch.setattr(get_extractor(), "nlp_version", "test-model-2")

    began = time.perf_counter()
    second = daily(config=str(cfg), db=str(db))  # the feeds bring nothing new
    took = time.perf_counter() - began
    assert second["processed_articles"] == 0 and second["archive_behind"] == 3
    assert took < 5, f"daily run with nothing new took {took:.1f} s"
    assert q(db, "select count(*) from articles where nlp_version = 'test-model-2'")[0][0] == 0

    out = reprocess(config=str(cfg), db=str(db))
    assert out["articles"] == 3 and out["retired_events"] == [] and out["new_events"] == []
    assert q(db, "select distinct nlp_version from articles") == [("test-model-2",)]
    assert _events(db) == before
    again = reprocess(config=str(cfg), db=str(db))  # nothing behind any more
    assert again["articles"] == 0

    # A "better model" that no longer finds the agreement (its article now says nothing of it).
    con = duckdb.connect(str(db))
    con.execute("update articles set text = 'Officials met in Jakarta.' where url like '%nickel-pact%'")
    con.close()
    monkeypatch.setattr(get_extractor(), "nlp_version", "test-model-3")
    third = reprocess(config=str(cfg), db=str(db))
    assert len(third["retired_events"]) == 1
    retired = q(db, "select type, retired_by from retired_events")
    assert retired == [("agreement", "test-model-3")]
    assert q(db, "select count(*) from events")[0][0] == len(before), "retired, not deleted"
    assert {e[0] for e in _events(db)} == {e[0] for e in before} - {"agreement"}
    # history stays queryable: its mentions by the older models are still there
    assert q(db, "select count(*) from event_mentions m join retired_events r using (event_id)")[0][0] >= 2
    assert q(db, "select count(*) from alerts")[0][0] == alerts_before


def test_skipped_pages_reread_when_gate_vocabulary_changes(prefect_server, tmp_path, monkeypatch) -> None:
    from extractors import relevance
    from flows.daily import daily
    from flows.reprocess import reprocess

    server = TestServer()
    world = NewsWorld(server)
    for s in STORIES:
        world.add(s)
    db = tmp_path / "w.duckdb"
    cfg = world.write_config(tmp_path / "reewatch.toml", db)
    cfg.write_text(cfg.read_text().replace("[fetch]\n", "[fetch]\nextract_workers = 0\n"))
    # an "old" gate that named none of these minerals: every page skipped, raw HTML kept
    with monkeypatch.context() as m:
        m.setattr(relevance, "markup_may_mention", lambda markup: False)
        m.setattr(relevance, "has_commodity", lambda text: False)
        m.setattr(relevance, "GATE_VERSION", "gate-old")
        try:
            daily(config=str(cfg), db=str(db))
        finally:
            server.close()
    assert q(db, "select count(*) from articles where extraction = 'skipped' and gate_version = 'gate-old'")[0][0] == 3
    full_text = "select count(*) from articles where text like '%Rotterdam%'"
    assert q(db, full_text)[0][0] == 0, "a skipped page keeps only the feed's title and summary"

    out = reprocess(config=str(cfg), db=str(db))
    assert out["pages_reread"] == 3 and out["pages_extracted"] == 2
    rows = q(db, "select extraction, gate_version from articles order by url")
    assert sorted(rows) == sorted([("page", None), ("page", None), ("skipped", relevance.GATE_VERSION)])
    assert q(db, full_text)[0][0] == 1
    assert q(db, "select count(*) from articles where nlp_version is null")[0][0] == 0
    assert q(db, "select count(*) from event_timeline where type = 'export_control'")[0][0] == 1
    # the same gate again: nothing to re-read
    assert reprocess(config=str(cfg), db=str(db))["pages_reread"] == 0


def _gallium_line(id_: str, when: str, day: str) -> dict:
    text = (f"China's commerce ministry {when} imposed export controls on gallium, requiring a "
            "licence for every shipment.\n\nTraders expect prices to rise.")
    return {"id": id_, "url": f"https://wire.example/{id_}", "title": "China curbs gallium exports",
            "text": text, "published": day}


def test_reprocess_rebuilds_the_events_of_the_backfill(prefect_server, tmp_path: Path) -> None:
    """Merging is greedy, so the order articles are read in shapes the events: a month-dated
    report merges with whichever day-dated report of that month came first. Reprocess reads
    in the backfill's order, not in article_id order (which here differs from it)."""
    import json

    from flows.backfill import backfill
    from flows.reprocess import reprocess

    lines = [  # file order: month, 3 July, 20 July; article_id order: 20 July, month, 3 July
        _gallium_line("b-month", "in July 2023", "2023-08-10"),
        _gallium_line("c-early", "on 3 July 2023", "2023-07-04"),
        _gallium_line("a-late", "on 20 July 2023", "2023-07-21"),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    cfg = tmp_path / "small.toml"
    cfg.write_text("article_batch = 2\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    backfill(config=str(cfg), db=str(db), jsonl=[str(src)])

    def timeline() -> set[tuple]:
        return set(q(db, "select type, date, source_count from event_timeline"))

    landed = timeline()
    # the month-dated report joined the 3 July one (read before the 20 July one)
    assert landed == {("export_control", "2023-07-03", 2), ("export_control", "2023-07-20", 1)}
    con = duckdb.connect(str(db))  # the events gone, the articles still read by this model
    con.execute("delete from alerts; delete from event_mentions; delete from events")
    con.close()
    out = reprocess(config=str(cfg), db=str(db), force=True)
    assert out["articles"] == 3
    assert timeline() == landed
    # and again: the order is kept, not reassigned by a reprocess
    con = duckdb.connect(str(db))
    con.execute("delete from alerts; delete from event_mentions; delete from events")
    con.close()
    reprocess(config=str(cfg), db=str(db), force=True)
    assert timeline() == landed
