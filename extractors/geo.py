"""Country normalisation: names, demonyms, capitals and abbreviations -> ISO 3166-1 alpha-2.

Why: FORMAT.md compares actors as ISO codes (``US``, never ``Washington``), and news
uses capitals and demonyms as metonyms ("Beijing tightened", "Chinese negotiators").
The table is data (models/patterns/countries.jsonl); :func:`country_code` is the only API
the extractor needs, plus :data:`SURFACE_FORMS` for building matcher patterns.
"""

from __future__ import annotations

import re

import models


def _table() -> tuple[dict[str, str], set[str]]:
    """Surface form -> code, and the forms that match only as written."""
    forms: dict[str, str] = {}
    case: set[str] = set()
    for row in models.read_patterns("countries"):
        if "case_sensitive" in row:
            case.update(row["case_sensitive"])
            continue
        for form in (*row["names"], *row["demonyms"], *row["capitals"]):
            forms[form] = row["code"]
    return forms, case


# the table is data (models/patterns/countries.jsonl); the entity ruler reads SURFACE_FORMS
SURFACE_FORMS, _CASE_SENSITIVE = _table()
_LOWER: dict[str, str] = {
    k.lower(): v for k, v in SURFACE_FORMS.items() if k not in _CASE_SENSITIVE
}
_EXACT: dict[str, str] = {k: v for k, v in SURFACE_FORMS.items() if k in _CASE_SENSITIVE}
_ISO = set(SURFACE_FORMS.values())


def country_code(text: str) -> str | None:
    """Return the ISO code for a country name, demonym, capital or code, else None.

    >>> country_code("Beijing"), country_code("Chinese"), country_code("U.S."), country_code("EU")
    ('CN', 'CN', 'US', 'EU')
    """
    s = re.sub(r"\s+", " ", text.strip())
    s = re.sub(r"^(the|The)\s+", "", s)
    s = re.sub(r"['’]s$", "", s)
    if not s:
        return None
    if s in _EXACT:
        return _EXACT[s]
    if s.upper() in _ISO and s.isupper() and len(s) == 2:
        return s.upper()
    return _LOWER.get(s.lower())


def is_country_code(code: str) -> bool:
    """True for the ISO codes this table knows (plus EU)."""
    return code in _ISO
