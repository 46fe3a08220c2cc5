"""One "same event" rule (extractors.same_event): the core serves evaluation as it is,
and in-article and cross-article merging add their stricter tests as parameters, so a
pair the core rejects is never merged anywhere."""

from __future__ import annotations

from extractors.dedup import event_key_compatible
from extractors.evaluate import events_match
from extractors.same_event import actors_overlap, dates_agree, normalise_actor, same_event
from extractors.types import Event


def ev(type_="agreement", date="2025-10-30", prec="day", actors=("US", "JP"), amount=None, currency=None) -> dict:
    return {"type": type_, "date": date, "date_precision": prec, "actors": list(actors),
            "amount": amount, "currency": currency, "commodities": ["rare earths"]}


def event(d: dict) -> Event:
    return Event(d["type"], d["date"], d["date_precision"], d["actors"], d["commodities"], d["amount"], d["currency"])


def test_core_rule():
    assert same_event(ev(), ev(date="2025-10-31"))  # days one apart
    assert same_event(ev(), ev(date="2025-10", prec="month"))  # the coarser precision
    assert not same_event(ev(), ev(date="2025-11-02"))
    assert not same_event(ev(), ev(type_="talks"))
    assert not same_event(ev(), ev(actors=("CN",)))
    assert same_event(ev(actors=("Lynas Rare Earths Ltd",)), ev(actors=("lynas rare earths",)))
    assert normalise_actor("Acme Corp.") == "acme"
    assert actors_overlap(["US"], ["US", "CN"]) and not actors_overlap([], ["US"])
    assert dates_agree({"date": "2025-10", "precision": "month"}, {"date": "2025-10-03", "date_precision": "day"})


def test_callers_never_merge_what_the_core_rejects():
    base = ev()
    for other in (ev(type_="talks"), ev(date="2025-12-01"), ev(actors=("CN", "KR"))):
        assert not same_event(base, other)
        assert not events_match(base, other)
        assert not event_key_compatible(event(base), event(other))


def test_each_caller_adds_its_own_conditions():
    # evaluation: the core as it is - one shared actor is enough
    assert events_match(ev(actors=("US", "JP")), ev(actors=("US", "AU")))
    # the warehouse asks for the same country set (US-JP is not US-AU)
    assert not event_key_compatible(event(ev(actors=("US", "JP"))), event(ev(actors=("US", "AU"))))
    assert event_key_compatible(event(ev(actors=("US", "JP"))), event(ev(actors=("JP", "US"))))
    # stated amounts must agree in the warehouse
    assert not event_key_compatible(event(ev(amount=8.5e9, currency="USD")), event(ev(amount=2e9, currency="USD")))
