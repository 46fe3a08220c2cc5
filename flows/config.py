"""Configuration: one TOML file plus environment variables, with built-in defaults.

Precedence is command-line flag > environment > file > defaults. Alert channel
URLs carry secrets, so they only ever come from REEWATCH_ALERT_URLS and are never
printed or logged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from extractors.types import SOURCE_KINDS, FeedSpec, FetchSettings

DEFAULT_CONFIG_FILE = Path("reewatch.toml")
DEFAULT_DB = Path("data/reewatch.duckdb")

# Built-in sources, grouped by what an analyst needs. Only sources whose robots.txt and
# terms allow automated polling: no Google News (robots.txt disallows /rss/ and its links
# cannot be followed), no Bing News (its RSS is for personal readers), no MINING.COM (403
# to crawler agents). What each yields (full text in the source or summaries) is in the
# README's feed table; `reewatch sources check` probes them from where you run it.
GDELT_QUERY = '("rare earth" OR "rare earths" OR "critical minerals" OR gallium OR germanium) sourcelang:english'
DEFAULT_FEEDS: tuple[FeedSpec, ...] = (
    # cross-outlet discovery
    FeedSpec("https://api.gdeltproject.org/api/v2/doc/doc", "GDELT: rare earths and critical minerals",
             "en", kind="gdelt", query=GDELT_QUERY),
    # mining and metals trade press
    FeedSpec("https://www.mining-technology.com/feed/", "Mining Technology", "en"),
    FeedSpec("https://www.northernminer.com/feed/", "The Northern Miner", "en"),
    FeedSpec("https://www.miningweekly.com/page/home/feed", "Mining Weekly", "en"),
    # governments
    FeedSpec("https://www.whitehouse.gov/presidential-actions/feed/", "White House presidential actions", "en"),
    FeedSpec("https://www.federalregister.gov/api/v1/documents.json", "Federal Register: critical minerals",
             "en", kind="federal_register",
             query='"critical mineral" | "critical minerals" | "rare earth" | gallium | germanium'),
    FeedSpec("https://ustr.gov/rss.xml", "USTR press releases", "en"),
    FeedSpec("https://www.energy.gov/rss/articles.xml", "US Department of Energy", "en"),
    FeedSpec("https://ec.europa.eu/commission/presscorner/api/rss?language=en",
             "European Commission press corner", "en"),
    FeedSpec("https://english.mofcom.gov.cn/News/Announcement/", "MOFCOM announcements (China)", "en",
             kind="html_list", item_selector="ul li", link_selector="a[href]", date_selector="span"),
    # Chinese and Asian outlets in English
    FeedSpec("https://www.globaltimes.cn/rss/outbrain.xml", "Global Times", "en"),
    FeedSpec("https://www.chinadaily.com.cn/rss/bizchina_rss.xml", "China Daily: business", "en"),
    FeedSpec("https://www.scmp.com/rss/92/feed", "South China Morning Post: business", "en"),
    FeedSpec("https://asia.nikkei.com/rss/feed/nar", "Nikkei Asia", "en"),
)


@dataclass
class AlertRule:
    """Which new events raise an alert, and whether they go one by one or as a digest."""

    name: str = "agreements"
    types: list[str] = field(default_factory=lambda: ["agreement"])
    countries: list[str] = field(default_factory=list)
    commodities: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    min_amount: float | None = None
    mode: str = "each"  # "each" = one message per event, "digest" = one per run


@dataclass
class AlertSettings:
    rules: list[AlertRule] = field(default_factory=lambda: [AlertRule()])
    max_attempts: int = 8  # delivery attempts before an alert is marked failed
    backoff_minutes: float = 5.0  # first retry delay; doubles per attempt

    def urls(self) -> list[str]:
        """Apprise URLs from the environment only (they hold tokens)."""
        return os.environ.get("REEWATCH_ALERT_URLS", "").split()


@dataclass
class NLPSettings:
    batch_size: int = 64  # sentences per nlp.pipe batch


@dataclass
class Settings:
    feeds: list[FeedSpec] = field(default_factory=lambda: list(DEFAULT_FEEDS))
    db: Path = DEFAULT_DB
    fetch: FetchSettings = field(default_factory=FetchSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    nlp: NLPSettings = field(default_factory=NLPSettings)
    article_batch: int = 200  # articles per NLP + database transaction
    page_max_attempts: int = 5  # runs that retry a page failing transiently before the feed summary is kept
    page_retry_minutes: float = 60.0  # wait before the first retry of such a page; doubles per attempt
    first_run_days: float = 7.0  # a source's first poll keeps only items of these last days
    source: str = "defaults"  # where the settings came from, for messages


class ConfigError(ValueError):
    """The configuration file is missing, malformed or has an unknown key."""


# Allowed ranges (inclusive) of numeric keys; any other number must be > 0.
RANGES: dict[str, tuple[float, float]] = {
    "min_interval": (0, 3600),
    "max_items": (1, 10_000),
    "timeout": (0.1, 3600), "connect_timeout": (0.1, 600), "max_bytes": (1024, 2**31),
    "max_decompressed_bytes": (1024, 2**32), "max_feed_entries": (1, 100_000),
    "concurrency": (1, 256), "per_host": (1, 64), "per_host_delay": (0, 600), "retries": (0, 10),
    "backoff": (0, 600), "max_retry_after": (0, 86_400), "extract_workers": (0, 64),
    "extract_timeout": (0.1, 3600), "article_batch": (1, 100_000), "page_max_attempts": (1, 1000),
    "page_retry_minutes": (0, 525_600), "batch_size": (1, 100_000), "max_attempts": (1, 1000),
    "backoff_minutes": (0, 525_600), "min_amount": (0, 1e15),
}  # fmt: skip
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
               "str": "a string", "list[str]": "a list of strings"}


def _shown(value: Any) -> str:
    kind = {str: "the string", bool: "the boolean", int: "the number", float: "the number",
            list: "the list", dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return kind if isinstance(value, dict) else f"{kind} {text}"


def check_value(key: str, value: Any, annotation: str, where: str) -> Any:
    """`value` checked against the field's type and range; ConfigError names the key.

    Runs before any work: `timeout = "20"` or `article_batch = 0` stop the command
    with one line, instead of failing deep inside a run (or never, silently).
    """
    name = f"{where} {key}" if where else key
    wanted = annotation.replace(" | None", "").strip()
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "str": isinstance(value, str),
        "list[str]": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "Path": isinstance(value, str),
    }.get(wanted, True)
    if not ok:
        words = _TYPE_WORDS.get(wanted, wanted)
        hint = ' (e.g. ["127.0.0.1:8080"])' if key == "allow_hosts" else ""
        raise ConfigError(f"{name} must be {words}{hint}, not {_shown(value)}")
    if wanted in ("int", "float"):
        low, high = RANGES.get(key, (0, float("inf")))
        if not (low <= value <= high) or (key not in RANGES and value <= 0):
            bounds = f"between {low:g} and {high:g}" if key in RANGES else "greater than 0"
            raise ConfigError(f"{name} must be {bounds}, not {value!r}")
        return float(value) if wanted == "float" else value
    if wanted == "str" and key in ("url",) and not value.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http:// or https:// URL, not {value!r}")
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table of keys, not {_shown(data)}")
    types = {f.name: str(f.type) for f in fields(cls)}
    unknown = sorted(set(data) - set(types))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)} in {where}; known: {', '.join(sorted(types))}")
    checked = {k: check_value(k, v, types[k], where) for k, v in data.items()}
    return cls(**checked)


def _feed_spec(table: dict[str, Any], i: int) -> FeedSpec:
    """One [[feeds]] table as a FeedSpec; lists become tuples (the spec is hashable data).

    Only the kind is checked here (query commands load settings too and stay light);
    each kind's own keys are checked when a run or `sources check` reads the source.
    """
    data = {"name": table.get("url"), **table}
    for key in ("agencies", "document_types"):
        if key in data:
            value = [data[key]] if isinstance(data[key], str) else data[key]
            data[key] = tuple(check_value(key, value, "list[str]", f"feeds[{i}]"))
    kind = data.get("kind", "rss")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"feeds[{i}] has unknown kind {kind!r}; known: {', '.join(SOURCE_KINDS)}")
    return _build(FeedSpec, data, f"feeds[{i}]")


def load_settings(config: Path | None = None, db: Path | None = None) -> Settings:
    """Read settings: `config` if given, else ./reewatch.toml if present, else defaults."""
    path = config if config is not None else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None)
    data: dict[str, Any] = {}
    if path is not None:
        import tomllib  # only when there is a file: query commands start faster without it

        if not path.exists():
            raise ConfigError(f"config file {path} does not exist")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    settings = Settings(source=str(path) if path else "defaults")
    base = path.parent if path else Path.cwd()
    if "feeds" in data:
        feeds = data.pop("feeds")
        if not isinstance(feeds, list):
            raise ConfigError("[[feeds]] must be an array of tables with url and name")
        settings.feeds = []
        for i, f in enumerate(feeds):
            if not isinstance(f, dict):
                raise ConfigError(f"feeds[{i}] must be a table with url and name, not {_shown(f)}")
            if "url" not in f:
                raise ConfigError(f"feeds[{i}] has no url")
            settings.feeds.append(_feed_spec(f, i))
    if "fetch" in data:
        settings.fetch = _build(FetchSettings, data.pop("fetch"), "[fetch]")
    if "nlp" in data:
        settings.nlp = _build(NLPSettings, data.pop("nlp"), "[nlp]")
    if "alerts" in data:
        alerts = dict(data.pop("alerts"))
        rules = alerts.pop("rules", None)
        settings.alerts = _build(AlertSettings, alerts, "[alerts]")
        if rules is not None and not isinstance(rules, list):
            raise ConfigError(f"[[alerts.rules]] must be an array of tables, not {_shown(rules)}")
        if rules is not None:
            settings.alerts.rules = [_build(AlertRule, r, f"[[alerts.rules]] #{i}") for i, r in enumerate(rules)]
    if "database" in data:
        db_conf = data.pop("database")
        if not isinstance(db_conf, dict):
            raise ConfigError(f"[database] must be a table of keys, not {_shown(db_conf)}")
        if set(db_conf) - {"path"}:
            raise ConfigError(f"unknown key(s) {', '.join(sorted(set(db_conf) - {'path'}))} in [database]; known: path")
        if "path" in db_conf:
            check_value("path", db_conf["path"], "str", "[database]")
            settings.db = (base / db_conf["path"]) if not Path(db_conf["path"]).is_absolute() else Path(db_conf["path"])
    for key, kind in (("article_batch", "int"), ("page_max_attempts", "int"), ("page_retry_minutes", "float"),
                      ("first_run_days", "float")):
        if key in data:
            setattr(settings, key, check_value(key, data.pop(key), kind, ""))
    if data:
        raise ConfigError(f"unknown section(s) {', '.join(sorted(data))} in {path}")
    env_db = os.environ.get("REEWATCH_DB")
    if db is not None:
        settings.db = db
    elif env_db:
        settings.db = Path(env_db)
    return settings
