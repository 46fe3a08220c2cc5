"""One "same event" rule for extraction, the warehouse and evaluation.

The core (FORMAT.md, "How a prediction file is scored"): the same type, dates compatible
at the coarser precision (extractors.partial_date: days at most one apart), and at least
one actor in common after normalisation. Each caller states what it adds as parameters:

- evaluation (extractors.evaluate.events_match): the core as it is;
- merging within an article (extractors.events.merging): actors must also nest or mostly
  overlap, companies must not conflict, stated amounts must agree (`actors=`, `extra=`);
- merging across articles (extractors.dedup.event_key_compatible): the same country set,
  and a looser date rule for days that are only the publication day (`actors=`, `dates=`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from extractors.partial_date import compatible as partial_compatible

_LEGAL = {"ltd", "inc", "corp", "co", "plc", "limited", "group", "holdings"}


def normalise_actor(actor: str) -> str:
    """Country codes upper-case; organisations lower-case without punctuation and legal suffixes."""
    s = actor.strip()
    if len(s) == 2 and s.isalpha() and s.isupper():
        return s
    s = re.sub(r"[^\w\s]", " ", s.lower())
    words = [w for w in s.split() if w not in _LEGAL]
    out = " ".join(words)
    if len(out) == 2 and out.isalpha():
        return out.upper()
    return out


def _get(x: Any, name: str, alt: str | None = None) -> Any:
    if isinstance(x, Mapping):
        return x.get(name) if alt is None or name in x else x.get(alt)
    return getattr(x, name, None) if alt is None or hasattr(x, name) else getattr(x, alt, None)


def dates_agree(a: Any, b: Any) -> bool:
    """Compatible at the coarser precision (`date` plus `date_precision` or `precision`)."""
    return partial_compatible(
        _get(a, "date"), _get(a, "date_precision", "precision"), _get(b, "date"), _get(b, "date_precision", "precision")
    )


def actors_overlap(a: Iterable[str], b: Iterable[str], normalise: Callable[[str], str] = normalise_actor) -> bool:
    """At least one actor in common after `normalise`."""
    return bool({normalise(x) for x in a} & {normalise(x) for x in b})


def same_event(
    a: Any,
    b: Any,
    *,
    dates: Callable[[Any, Any], bool] = dates_agree,
    actors: Callable[[Any, Any], bool] | None = None,
    extra: Callable[[Any, Any], bool] | None = None,
) -> bool:
    """The core rule over two events (mappings or objects with type, date, precision and
    actors); `dates` and `actors` replace its date and actor tests, `extra` adds one."""
    if _get(a, "type") != _get(b, "type"):
        return False
    if not dates(a, b):
        return False
    if actors is None:
        if not actors_overlap(_get(a, "actors") or [], _get(b, "actors") or []):
            return False
    elif not actors(a, b):
        return False
    return extra is None or extra(a, b)
