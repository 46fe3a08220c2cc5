"""The plain parts of backfill / reprocess, without Prefect: WARC streaming and the
pre-filter, Arrow round trips of shards, ordered results, engine options, CLI errors."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractors.types import Article, Event, Mention
from flows import shards
from flows.engine import Engine, EngineError, ordered


def _warc(path: Path, bodies: list[bytes]) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {}))
        for i, body in enumerate(bodies):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://n.example/{i}", "response", payload=BytesIO(body),
                                                http_headers=headers,
                                                warc_headers_dict={"WARC-Date": "2023-07-03T10:00:00Z"}))
    return path


def test_warc_records_stream_with_offsets_that_resume(tmp_path: Path) -> None:
    from extractors.warc import iter_responses, may_be_relevant, open_at

    bodies = [b"<html><title>Lithium deal</title><p>x</p></html>", b"<html><p>football</p></html>",
              b"<html><p>new gallium <b>cur</b>bs</p></html>" + b"y" * 200_000]
    path = _warc(tmp_path / "a.warc.gz", bodies)
    with path.open("rb") as fh:
        seen = list(iter_responses(fh))
    assert [r is None for _, r in seen] == [True, False, False, False]
    responses = [r for _, r in seen if r is not None]
    assert [r.body for r in responses] == bodies
    assert responses[0].date == datetime(2023, 7, 3, 10, tzinfo=UTC) and responses[0].url == "https://n.example/0"
    assert [may_be_relevant(r.body) for r in responses] == [True, False, True]
    # seeking to a record's offset starts there (what a resumed backfill does)
    with open_at(path, responses[2].offset) as fh:
        again = [r for _, r in iter_responses(fh)]
    assert [r.url for r in again] == ["https://n.example/2"]


def test_not_a_warc_is_a_clear_error(tmp_path: Path) -> None:
    from extractors.warc import WarcError, iter_responses

    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(b"this is not a warc file\n" * 10)
    with bad.open("rb") as fh, pytest.raises(WarcError, match="not a readable WARC"):
        list(iter_responses(fh))


def test_shard_tables_round_trip() -> None:
    arts = [Article(url="https://a.example/1", title="T", text="body", published=datetime(2024, 1, 2, tzinfo=UTC)),
            Article(url="https://a.example/2", title="U", text="other")]
    back = shards.articles_from_arrow(shards.articles_to_arrow(arts))
    assert back == arts
    evs = [[Event(type="export_control", date="2024-01-02", date_precision="day", actors=["CN"],
                  commodities=["gallium"], mentions=[Mention("s", 1, 5, "imposed")])], []]
    assert shards.events_from_arrow(shards.events_to_arrow(arts, evs), arts) == evs


class _Fut:
    def __init__(self, value: object) -> None:
        self.value = value

    def result(self) -> object:
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def test_ordered_yields_in_shard_order_and_keeps_failures() -> None:
    submitted: list[int] = []

    def submit(x: int) -> _Fut:
        submitted.append(x)
        return _Fut(ValueError("boom") if x == 2 else x * 10)

    out = list(ordered(submit, iter(range(5)), window=2))
    assert [s for s, _, _ in out] == [0, 1, 2, 3, 4]
    assert [r for _, r, _ in out] == [0, 10, None, 30, 40]
    assert isinstance(out[2][2], ValueError)


def test_engine_options_are_checked() -> None:
    assert not Engine().distributed and Engine(workers=2).distributed
    assert Engine(dask_address="tcp://127.0.0.1:8786").distributed
    with pytest.raises(EngineError):
        Engine(workers=0)
    with pytest.raises(EngineError):
        Engine(dask_address="127.0.0.1:8786")


def test_local_cluster_workers_do_not_profile_themselves() -> None:
    """The local cluster's nannies pass this process's Dask config to their workers."""
    import dask

    with dask.config.set({"distributed.worker.profile.enabled": True}):
        Engine(workers=1).task_runner()
        assert dask.config.get("distributed.worker.profile.enabled") is True  # in-process: untouched
        Engine(workers=2).task_runner()
        assert dask.config.get("distributed.worker.profile.enabled") is False


def test_backfill_cli_errors(tmp_path: Path) -> None:
    from flows.cli import app

    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    rss_only = tmp_path / "rss.toml"
    rss_only.write_text('[[feeds]]\nurl = "https://news.example/feed.xml"\nname = "news"\n', encoding="utf-8")
    res = runner.invoke(app, ["backfill", "--since", "2020-01-01", "--db", db, "--config", str(rss_only)])
    assert res.exit_code == 2 and "reach back" in res.output and "rss" in res.output
    res = runner.invoke(app, ["backfill", "--warc", str(tmp_path / "missing.warc.gz"), "--db", db])
    assert res.exit_code == 2 and "no such file" in res.output
    res = runner.invoke(app, ["reprocess", "--workers", "0", "--db", db])
    assert res.exit_code == 2 and "--workers" in res.output


def _read_peak(path: Path, per_shard: int) -> tuple[int, int]:
    """(peak bytes allocated while streaming the WARC's shards, shards seen)."""
    import tracemalloc

    from flows.backfill import warc_shards

    tracemalloc.start()
    try:
        n = 0
        for shard in warc_shards(path, 0, per_shard, 10_000_000):
            n += 1
            del shard
        return tracemalloc.get_traced_memory()[1], n
    finally:
        tracemalloc.stop()


def test_warc_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Issue 14 item 4: records are streamed and one shard is held, so reading a WARC four
    times as long needs no more memory (a reader that kept the file or its pages would
    need about four times as much)."""
    filler = " ".join(f"word{i}" for i in range(6000))  # about 50 KB per page

    def body(i: int) -> bytes:
        mineral = "gallium export controls" if i % 2 else "the weather at the weekend"
        return f"<html><head><title>Story {i}</title></head><body><p>{mineral} {filler}</p></body></html>".encode()

    small = _warc(tmp_path / "small.warc.gz", [body(i) for i in range(60)])
    large = _warc(tmp_path / "large.warc.gz", [body(i) for i in range(240)])
    peak_small, shards_small = _read_peak(small, per_shard=10)
    peak_large, shards_large = _read_peak(large, per_shard=10)
    assert shards_large >= 4 * shards_small - 3, "the large file is read in more shards, not bigger ones"
    assert peak_large < 1.25 * peak_small, f"peak {peak_large / 1e6:.1f} MB vs {peak_small / 1e6:.1f} MB"
    assert peak_small < 60 * 50_000, "less than the small file's pages held at once"


def test_ordered_holds_at_most_a_window_of_shards() -> None:
    """The flow side of the memory bound: shards are read from their source only as fast
    as results are taken, never more than `window` ahead."""
    pulled: list[int] = []

    def source():
        for i in range(20):
            pulled.append(i)
            yield i

    ahead = []
    for shard, _, _ in ordered(lambda x: _Fut(x), source(), window=3):
        ahead.append(len(pulled) - shard - 1)
    assert max(ahead) <= 2 and len(ahead) == 20
