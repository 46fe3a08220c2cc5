"""Settings: defaults, the TOML file, environment and flags, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.config import DEFAULT_FEEDS, ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REEWATCH_DB", raising=False)
    s = load_settings()
    assert s.source == "defaults"
    assert s.db == Path("data/reewatch.duckdb")
    assert len(s.feeds) == len(DEFAULT_FEEDS) >= 10
    assert all(f.url.startswith("https://") for f in s.feeds)
    assert s.fetch.allow_hosts == [] and s.fetch.respect_robots
    assert [r.types for r in s.alerts.rules] == [["agreement"]]


def test_reads_reewatch_toml_in_cwd_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reewatch.toml").write_text(
        '[[feeds]]\nurl = "https://example.org/rss"\n\n[database]\npath = "x/w.duckdb"\n\n'
        '[fetch]\ntimeout = 3.5\nallow_hosts = ["127.0.0.1:9000"]\n'
    )
    monkeypatch.delenv("REEWATCH_DB", raising=False)
    s = load_settings()
    assert [f.url for f in s.feeds] == ["https://example.org/rss"]
    assert s.feeds[0].name == "https://example.org/rss"  # name defaults to the url
    assert s.db == Path("x/w.duckdb")
    assert s.fetch.timeout == 3.5 and s.fetch.allow_hosts == ["127.0.0.1:9000"]
    monkeypatch.setenv("REEWATCH_DB", "/tmp/env.duckdb")
    assert load_settings().db == Path("/tmp/env.duckdb")
    assert load_settings(db=Path("flag.duckdb")).db == Path("flag.duckdb")


@pytest.mark.parametrize(("text", "message"), [
    ("[fetch]\ntimeot = 3\n", "unknown key(s) timeot in [fetch]"),
    ("[[feeds]]\nname = 'no url'\n", "feeds[0] has no url"),
    ("[fetcher]\n", "unknown section(s) fetcher"),
    ("[fetch\n", "is not valid TOML"),
    ("[[alerts.rules]]\nname = 'x'\ntype = ['agreement']\n", "unknown key(s) type"),
])
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=None) as info:
        load_settings(cfg)
    assert message in str(info.value)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_alert_urls_come_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REEWATCH_ALERT_URLS", "json://127.0.0.1:1/ slack://a/b/c")
    assert load_settings(ROOT / "reewatch.example.toml").alerts.urls() == ["json://127.0.0.1:1/", "slack://a/b/c"]
    monkeypatch.delenv("REEWATCH_ALERT_URLS")
    assert load_settings(ROOT / "reewatch.example.toml").alerts.urls() == []


def test_shipped_example_config_loads() -> None:
    s = load_settings(ROOT / "reewatch.example.toml")
    assert s.db == ROOT / "data/reewatch.duckdb"  # relative to the file
    assert {r.name for r in s.alerts.rules} == {"agreements", "big-chinese-controls"}
