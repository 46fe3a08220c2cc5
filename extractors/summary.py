"""One-line headlines and money strings written from an event's fields.

Shared by the warehouse (the stored `summary`), the query commands, the HTML report
and alert messages, so an event reads the same everywhere. Pure functions over a
mapping with the keys of the `events` table; no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

ENTITY_PATTERNS = Path(__file__).resolve().parents[1] / "models" / "patterns" / "entities.jsonl"


@lru_cache(maxsize=1)
def agency_countries() -> dict[str, str]:
    """Agency id -> its country code, from the domain entity patterns (MOFCOM -> CN)."""
    out: dict[str, str] = {}
    if ENTITY_PATTERNS.exists():
        for line in ENTITY_PATTERNS.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("label") == "AGENCY" and row.get("country") and row.get("id"):
                    out[str(row["id"])] = str(row["country"])
    return out


def headline_actors(actors: Sequence[str]) -> list[str]:
    """Actors worth naming in a headline: an agency is left out when its country is named.

    "China and MOFCOM expand ..." says no more than "China expands ..."; the agency
    stays in the event's actors for filters and SQL.
    """
    present = set(actors)
    agencies = agency_countries()
    return [a for a in actors if agencies.get(a) not in present]

# Short display names: headlines read "US and Japan", not "US and JP".
COUNTRY_NAMES: dict[str, str] = {
    "US": "US", "CN": "China", "JP": "Japan", "AU": "Australia", "EU": "EU", "GB": "UK",
    "IN": "India", "KR": "South Korea", "KP": "North Korea", "CA": "Canada", "DE": "Germany",
    "FR": "France", "IT": "Italy", "NL": "Netherlands", "MY": "Malaysia", "TH": "Thailand",
    "VN": "Vietnam", "ID": "Indonesia", "PH": "Philippines", "SG": "Singapore", "TW": "Taiwan",
    "MN": "Mongolia", "KZ": "Kazakhstan", "UZ": "Uzbekistan", "PK": "Pakistan", "MM": "Myanmar",
    "BR": "Brazil", "CL": "Chile", "AR": "Argentina", "PE": "Peru", "BO": "Bolivia",
    "MX": "Mexico", "GL": "Greenland", "DK": "Denmark", "SE": "Sweden", "NO": "Norway",
    "FI": "Finland", "PL": "Poland", "UA": "Ukraine", "RU": "Russia", "TR": "Turkey",
    "SA": "Saudi Arabia", "AE": "UAE", "ZA": "South Africa", "CD": "DR Congo", "ZM": "Zambia",
    "ZW": "Zimbabwe", "TZ": "Tanzania", "NA": "Namibia", "MG": "Madagascar", "NZ": "New Zealand",
}  # fmt: skip

CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$", "AUD": "A$", "CAD": "C$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "CN¥",
    "KRW": "₩", "INR": "₹",
}  # fmt: skip

# type -> (verb for one actor, verb for several, object; {c} = commodities, {a} = adjective form)
_PHRASES: dict[str, tuple[str, str, str]] = {
    "export_control": ("expands", "expand", "export controls on {c}"),
    "export_control_easing": ("eases", "ease", "export controls on {c}"),
    "agreement": ("signs", "sign", "a {a} agreement"),
    "investment": ("announces", "announce", "an investment in {c}"),
    "trade_measure": ("imposes", "impose", "trade measures on {c}"),
    "production_quota": ("sets", "set", "production quotas for {c}"),
    "stockpile": ("moves", "move", "to stockpile {c}"),
    "talks": ("holds", "hold", "talks on {c}"),
    "industrial_policy": ("adopts", "adopt", "a {a} policy"),
}

def join_words(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def actor_name(actor: str) -> str:
    """Display name of an actor: countries by short name, organisations as stored."""
    return COUNTRY_NAMES.get(actor, actor)


def is_country(actor: str) -> bool:
    """Countries are stored as ISO alpha-2 codes (plus EU); organisations by name."""
    return len(actor) == 2 and actor.isupper()


_WITH_THE = {"US", "EU", "GB", "NL", "PH", "AE"}


def place_name(code: str) -> str:
    """A country after a preposition: 'the US', 'Malaysia'."""
    return f"the {actor_name(code)}" if code in _WITH_THE else actor_name(code)


def money(amount: float | None, currency: str | None) -> str:
    """'A$180 million', '$8.5 billion', '12,000 XYZ'; '' when there is no amount."""
    if amount is None:
        return ""
    value, scale = float(amount), ""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            value, scale = value / size, f" {word}"
            break
    number = f"{value:,.2f}".rstrip("0").rstrip(".")
    code = (currency or "").upper()
    if code in CURRENCY_SYMBOLS:
        return f"{CURRENCY_SYMBOLS[code]}{number}{scale}"
    return f"{number}{scale} {code}".rstrip()


def headline(event: Mapping[str, Any]) -> str:
    """One line written from the event's fields, e.g. 'Lynas invests A$180 million in rare earths'.

    Built from the fields rather than taken from an article so that every event
    reads alike and the line never claims more than the warehouse knows.
    """
    raw = headline_actors(list(event.get("actors") or []))
    actors = [actor_name(a) for a in raw]
    who = join_words(actors[:4]) + (" and others" if len(actors) > 4 else "") or "Unnamed parties"
    commodities = list(event.get("commodities") or []) or ["critical minerals"]
    c = join_words(commodities[:3])
    adjective = commodities[0].replace(" ", "-")
    kind = str(event.get("type") or "event")
    one, many, obj = _PHRASES.get(kind, ("reports", "report", f"a {kind.replace('_', ' ')} on {{c}}"))
    plural = len(actors) != 1  # "Unnamed parties hold"
    amount = money(event.get("amount"), event.get("currency"))
    if kind == "investment" and amount:
        # Companies invest; the countries among the actors say where ("in Malaysia").
        orgs = [a for a in raw if not is_country(a)]
        places = [place_name(a) for a in raw if is_country(a)]
        if orgs and places:
            who, plural = join_words(orgs[:4]), len(orgs) > 1
            c = f"{c} in {join_words(places[:3])}"
        return f"{who} {'invest' if plural else 'invests'} {amount} in {c}"
    line = f"{who} {many if plural else one} {obj.format(c=c, a=adjective)}"
    return f"{line} worth {amount}" if amount else line
