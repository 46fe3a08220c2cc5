"""The per-type behaviour table (models/patterns/types.jsonl) covers every event type."""

from __future__ import annotations

from extractors.types import EVENT_TYPES
from models import read_patterns

FLAGS = {"government", "parties", "window", "amount", "on_commodity", "enacted_purpose"}


def test_every_type_has_one_row_with_every_flag():
    rows = read_patterns("types")
    assert sorted(r["type"] for r in rows) == sorted(EVENT_TYPES)
    for r in rows:
        assert FLAGS <= set(r), r["type"]
        assert not (r["government"] and r["parties"]), r["type"]  # one way of reading parties
        if r.get("needs_amount"):
            assert r["amount"] and r.get("amount_optional"), r["type"]
