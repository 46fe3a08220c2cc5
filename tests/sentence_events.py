"""Events of one written sentence or paragraph, for the tests of event classes."""

from __future__ import annotations

from datetime import datetime

from extractors.events import EventExtractor
from extractors.types import Article


def events(ex: EventExtractor, text: str, pub: str = "2025-11-13") -> list:
    a = Article(url=f"http://example.test/{abs(hash(text))}", title="Minerals news", text=text,
                published=datetime.fromisoformat(pub))
    return ex.extract([a])[0]


def found(ex: EventExtractor, text: str, typ: str) -> list:
    return [e for e in events(ex, text) if e.type == typ]
