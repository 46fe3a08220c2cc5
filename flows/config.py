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

from extractors.types import FeedSpec, FetchSettings

DEFAULT_CONFIG_FILE = Path("reewatch.toml")
DEFAULT_DB = Path("data/reewatch.duckdb")

# Curated live feeds that carry rare-earth and critical-minerals policy news.
# Search feeds catch every outlet; the trade press catches what wires miss.
DEFAULT_FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec(
        "https://news.google.com/rss/search?q=%22rare+earth%22+OR+%22rare+earths%22+when:2d&hl=en-US&gl=US&ceid=US:en",
        "Google News: rare earths",
        "en",
    ),
    FeedSpec(
        "https://news.google.com/rss/search?q=%22critical+minerals%22+when:2d&hl=en-US&gl=US&ceid=US:en",
        "Google News: critical minerals",
        "en",
    ),
    FeedSpec(
        "https://www.bing.com/news/search?q=%22rare+earths%22+export+controls&format=rss",
        "Bing News: rare earths export controls",
        "en",
    ),
    FeedSpec("https://www.mining.com/feed/", "MINING.COM", "en"),
    FeedSpec("https://www.mining-technology.com/feed/", "Mining Technology", "en"),
    FeedSpec("https://www.miningweekly.com/page/rss", "Mining Weekly", "en"),
    FeedSpec("https://www.northernminer.com/feed/", "The Northern Miner", "en"),
    FeedSpec("https://investingnews.com/feeds/critical-metals.rss", "Investing News: critical metals", "en"),
    FeedSpec("https://www.kitco.com/rss/KitcoNews.xml", "Kitco News", "en"),
    FeedSpec("https://www.whitehouse.gov/presidential-actions/feed/", "White House presidential actions", "en"),
    FeedSpec("https://www.energy.gov/rss/articles.xml", "US Department of Energy", "en"),
    FeedSpec("https://www.scmp.com/rss/92/feed", "South China Morning Post: China economy", "en"),
    FeedSpec("https://www.globaltimes.cn/rss/outbrain.xml", "Global Times", "en"),
    FeedSpec("https://www.theguardian.com/environment/mining/rss", "The Guardian: mining", "en"),
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
    source: str = "defaults"  # where the settings came from, for messages


class ConfigError(ValueError):
    """The configuration file is missing, malformed or has an unknown key."""


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)} in {where}; known: {', '.join(sorted(known))}")
    return cls(**data)


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
            if "url" not in f:
                raise ConfigError(f"feeds[{i}] has no url")
            settings.feeds.append(_build(FeedSpec, {"name": f.get("url"), **f}, f"feeds[{i}]"))
    if "fetch" in data:
        settings.fetch = _build(FetchSettings, data.pop("fetch"), "[fetch]")
    if "nlp" in data:
        settings.nlp = _build(NLPSettings, data.pop("nlp"), "[nlp]")
    if "alerts" in data:
        alerts = dict(data.pop("alerts"))
        rules = alerts.pop("rules", None)
        settings.alerts = _build(AlertSettings, alerts, "[alerts]")
        if rules is not None:
            settings.alerts.rules = [_build(AlertRule, r, f"[[alerts.rules]] #{i}") for i, r in enumerate(rules)]
    if "database" in data:
        db_conf = data.pop("database")
        if "path" in db_conf:
            settings.db = (base / db_conf["path"]) if not Path(db_conf["path"]).is_absolute() else Path(db_conf["path"])
    for key, kind in (("article_batch", int), ("page_max_attempts", int), ("page_retry_minutes", float)):
        if key in data:
            setattr(settings, key, kind(data.pop(key)))
    if data:
        raise ConfigError(f"unknown section(s) {', '.join(sorted(data))} in {path}")
    env_db = os.environ.get("REEWATCH_DB")
    if db is not None:
        settings.db = db
    elif env_db:
        settings.db = Path(env_db)
    return settings
