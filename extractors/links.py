"""Aggregator links: find the publisher's URL inside a redirect link (pure).

Bing News items link to `bing.com/news/apiclick.aspx?...&url=<publisher>&tid=...`
and Google Alerts to `google.com/url?...&url=<publisher>&usg=...`. Kept as they
are, the aggregator's host would become the outlet, and the changing `tid` /
`usg` would make one story look new on every poll. The redirect rules are data
(`data/redirectors.json`): host suffix (or any host, for the distinctive ones, so a
mirror or a replay is read the same), path, keys that must be present, and the query
key holding the target.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent / "data" / "redirectors.json"
UNFOLLOWABLE = Path(__file__).parent / "data" / "unfollowable_hosts.json"


@lru_cache(maxsize=1)
def _redirectors() -> list[dict[str, str]]:
    return json.loads(DATA.read_text(encoding="utf-8"))["redirectors"]


@lru_cache(maxsize=1)
def _unfollowable() -> list[dict[str, str]]:
    return json.loads(UNFOLLOWABLE.read_text(encoding="utf-8"))["hosts"]


def _host_matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def unwrap(url: str, depth: int = 3) -> str:
    """The publisher URL an aggregator redirect link points at, else `url` unchanged."""
    for _ in range(depth):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        target = None
        query = parse_qs(parts.query)
        for rule in _redirectors():
            host_ok = rule["host"] == "*" or _host_matches(host, rule["host"])
            if host_ok and parts.path.lower() == rule["path"] and all(k in query for k in rule["requires"]):
                values = query.get(rule["param"]) or []
                target = values[0].strip() if values else None
                if target:
                    break
        if not target or not target.lower().startswith(("http://", "https://")):
            return url
        url = target
    return url


def unfollowable(url: str) -> str | None:
    """Why the links of this host cannot be followed to the article, or None if they can."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for rule in _unfollowable():
        if _host_matches(host, rule["host"]) and parts.path.startswith(rule.get("path", "/")):
            return rule["reason"]
    return None
