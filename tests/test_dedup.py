"""Near-duplicate articles and cross-article event merging (extractors/dedup.py)."""

from __future__ import annotations

from datetime import date

import pytest

from extractors import dedup
from extractors.types import Event

# Invented stories (never copied from the gold files): one wire story, a syndicated
# copy with its own furniture, and a different story on the same subject.
WIRE = (
    "Canberra and Washington signed a framework on critical minerals on Monday, pledging "
    "to fund mining and processing projects worth several billion dollars over the next "
    "few years. The prime minister said the deal would give allied manufacturers a steady "
    "supply of rare earths and other metals at a time when Beijing has tightened its grip "
    "on exports of the materials used in magnets, batteries and military hardware. Under "
    "the framework each government will put money into a pipeline of projects, starting "
    "with a gallium refinery in Western Australia and a rare earths separation plant in "
    "the Northern Territory. Officials said the two countries would also coordinate "
    "stockpiles and look at price floors to protect producers from sudden drops in prices. "
    "Shares in several Australian miners rose sharply after the announcement, with one "
    "small producer climbing more than a fifth in early trade. Analysts said the deal was "
    "a signal that Western governments were willing to spend public money to build supply "
    "chains outside China, although they cautioned that new refineries take years to build "
    "and that the economics of the industry remain difficult without long term offtake."
)
COPY = (
    "Australia, US sign critical minerals framework | Business News\n"
    "By Staff Writers\n"
    + WIRE.replace("few years", "coming years").replace("sharply", "strongly")
    + "\nPhoto: the signing ceremony in Washington. (Reuters)\n"
    "Read more: Markets wrap; Iron ore slips as demand cools"
)
OTHER = (
    "Tokyo and Washington agreed on Tuesday to cooperate on securing supplies of critical "
    "minerals and rare earths, the latest in a string of deals struck as allies look for "
    "alternatives to Chinese processing. The agreement covers joint financing of mines and "
    "refineries, shared research on recycling of magnets, and a mechanism to respond to "
    "supply disruptions. Japanese trading houses have already invested in producers in "
    "Australia and Africa, and officials in Tokyo said the new arrangement would add "
    "government guarantees to some of those projects. The trade minister told reporters "
    "that the talks had moved quickly because both sides shared concerns about export "
    "curbs imposed by Beijing earlier in the year. No figure was given for the total "
    "value of the financing, and officials said details would be worked out by working "
    "groups over the coming months, with a first report due before the end of the year."
)


def ev(
    date_: str | None = "2025-10-20",
    actors: tuple[str, ...] = ("US", "AU"),
    *,
    type_: str = "agreement",
    precision: str | None = "day",
    commodities: tuple[str, ...] = ("critical minerals", "rare earths"),
    amount: float | None = None,
    currency: str | None = None,
) -> Event:
    return Event(type_, date_, precision, list(actors), list(commodities), amount, currency)  # type: ignore[arg-type]


def stored(event: Event, event_id: str, basis: str = "explicit") -> dict:
    row = event.to_format() | {"event_id": event_id, "date_basis": basis}
    row.setdefault("amount", None)
    row.setdefault("currency", None)
    return row


# --- articles ------------------------------------------------------------------


def test_normalize_and_content_hash_ignore_case_and_spacing() -> None:
    assert dedup.normalize_text("  Rare-Earth  EXPORTS,\n curbed! ") == "rare earth exports curbed"
    assert dedup.content_hash("Rare earths\n\nCURBED.") == dedup.content_hash("rare earths curbed")


def test_simhash_is_64_bit_and_deterministic() -> None:
    h = dedup.simhash(WIRE)
    assert 0 <= h < 2**64
    assert h == dedup.simhash(WIRE)
    assert dedup.hamming(h, h) == 0


def test_syndicated_copy_is_near_duplicate() -> None:
    dist = dedup.hamming(dedup.simhash(WIRE), dedup.simhash(COPY))
    assert dist <= dedup.SIMHASH_THRESHOLD
    assert dedup.is_near_duplicate(WIRE, COPY)


def test_different_story_same_topic_is_not_duplicate() -> None:
    dist = dedup.hamming(dedup.simhash(WIRE), dedup.simhash(OTHER))
    assert dist > dedup.SIMHASH_THRESHOLD + 5  # a clear margin, not a coin flip
    assert not dedup.is_near_duplicate(WIRE, OTHER)


def test_short_texts_need_an_exact_match() -> None:
    a = "China curbs rare earth exports."
    assert not dedup.is_near_duplicate(a, "China curbs rare earth magnets.")
    assert dedup.is_near_duplicate(a, "china curbs rare-earth exports")


# --- actors and dates ---------------------------------------------------------------


def test_actor_normalisation() -> None:
    countries, orgs = dedup.split_actors(
        ["us", "U.K.", "Lynas Rare Earths Ltd", "MP Materials Corp."]
    )
    assert countries == {"GB"}  # "us" lower-case is not a code; extractors emit upper-case
    assert orgs == {"us", "lynas rare earths", "mp materials"}
    assert dedup.split_actors(["US", "USA"])[0] == {"US"}


@pytest.mark.parametrize(
    ("a", "pa", "b", "pb", "ok"),
    [
        ("2025-10-20", "day", "2025-10-21", "day", True),
        ("2025-10-20", "day", "2025-10-22", "day", False),
        ("2025-10", "month", "2025-10-31", "day", True),
        ("2025-10", "month", "2025-11-01", "day", False),
        ("2025", "year", "2025-12", "month", True),
        (None, None, "2025-10-20", "day", False),
    ],
)
def test_dates_compatible(a: str | None, pa: str | None, b: str, pb: str, ok: bool) -> None:
    assert dedup.dates_compatible(a, pa, b, pb) is ok


# --- event merging ---------------------------------------------------------------------


def test_same_countries_in_any_order_merge() -> None:
    assert dedup.event_key_compatible(ev(actors=("US", "AU")), ev(actors=("AU", "US")))


def test_different_country_sets_never_merge() -> None:
    assert not dedup.event_key_compatible(ev(actors=("US", "JP")), ev(actors=("US", "AU")))
    assert not dedup.event_key_compatible(ev(actors=("US", "AU")), ev(actors=("US", "AU", "JP")))


def test_company_plus_country_is_fine_but_different_companies_are_not() -> None:
    assert dedup.event_key_compatible(ev(actors=("US", "MP Materials")), ev(actors=("US",)))
    assert dedup.event_key_compatible(
        ev(actors=("US", "MP Materials Corp")), ev(actors=("US", "mp materials"))
    )
    assert not dedup.event_key_compatible(
        ev(actors=("US", "MP Materials"), type_="investment"),
        ev(actors=("US", "Vulcan Elements"), type_="investment"),
    )


def test_company_only_events_need_the_same_companies() -> None:
    assert dedup.event_key_compatible(
        ev(actors=("Lynas", "Solvay")), ev(actors=("Solvay Group", "Lynas Ltd"))
    )
    assert not dedup.event_key_compatible(
        ev(actors=("Lynas", "Solvay")), ev(actors=("Lynas", "Noveon"))
    )


def test_type_and_amount_must_agree() -> None:
    assert not dedup.event_key_compatible(ev(), ev(type_="talks"))
    assert dedup.event_key_compatible(
        ev(amount=8.5e9, currency="USD"), ev(amount=8.45e9, currency="USD")
    )
    assert not dedup.event_key_compatible(
        ev(amount=8.5e9, currency="USD"), ev(amount=8.0e9, currency="USD")
    )
    # One deal quoted in two currencies (US$8.5bn vs A$13bn) is no conflict.
    assert dedup.event_key_compatible(
        ev(amount=8.5e9, currency="USD"), ev(amount=13e9, currency="AUD")
    )
    assert dedup.event_key_compatible(ev(amount=8.5e9, currency="USD"), ev())  # one side silent


def test_publication_dated_event_needs_corroboration() -> None:
    explicit = stored(ev("2025-10-20", commodities=("critical minerals",)), "e1")
    # Dated by its publication day two days later: same event only if more agrees.
    weak = ev("2025-10-22", commodities=("critical minerals",))
    assert dedup.merge_target(weak, [explicit], published=date(2025, 10, 22)) is None
    backed = ev("2025-10-22", commodities=("critical minerals",), amount=8.5e9, currency="USD")
    explicit_amount = explicit | {"amount": 8.5e9, "currency": "USD"}
    assert dedup.merge_target(backed, [explicit_amount], published=date(2025, 10, 22)) == "e1"
    gallium = ev("2025-10-22", commodities=("gallium",))
    explicit_gallium = explicit | {"commodities": ["gallium", "critical minerals"]}
    assert dedup.merge_target(gallium, [explicit_gallium], published=date(2025, 10, 22)) == "e1"
    # An explicit date two days off is a different day, whatever else agrees.
    assert dedup.merge_target(backed, [explicit_amount], published=date(2025, 10, 23)) is None
    # Too far from the explicit date even for a publication-dated mention.
    late = ev("2025-10-27", amount=8.5e9, currency="USD")
    assert dedup.merge_target(late, [explicit_amount], published=date(2025, 10, 27)) is None


def test_year_precision_needs_corroboration() -> None:
    a = stored(ev("2025", precision="year"), "e1")
    assert dedup.merge_target(ev("2025-06-02"), [a]) is None
    assert (
        dedup.merge_target(
            ev("2025-06-02", actors=("US", "AU", "Lynas")), [a | {"actors": ["US", "AU", "Lynas"]}]
        )
        == "e1"
    )


def test_merge_target_prefers_the_closest_candidate() -> None:
    month = stored(ev("2025-10", precision="month"), "month")
    day = stored(ev("2025-10-20"), "day")
    assert dedup.merge_target(ev("2025-10-20"), [month, day]) == "day"
    assert dedup.merge_target(ev("2025-10-05"), [month, day]) == "month"


def test_undated_events_never_merge() -> None:
    assert (
        dedup.merge_target(ev(None, precision=None), [stored(ev(None, precision=None), "e1")])
        is None
    )


def test_event_ids_are_stable_and_distinct() -> None:
    e = ev()
    assert dedup.new_event_id(e, "m1") == dedup.new_event_id(ev(actors=("AU", "US")), "m1")
    assert dedup.new_event_id(e, "m1") != dedup.new_event_id(e, "m2")
    assert dedup.mention_id("a", "agreement", 10, "v1") != dedup.mention_id(
        "a", "agreement", 10, "v2"
    )


def test_merged_fields_upgrade_dates_and_accumulate() -> None:
    base = stored(ev("2025-10-22", commodities=("critical minerals",)), "e1", basis="published")
    newer = ev(
        "2025-10-20",
        actors=("AU", "US", "Iluka"),
        commodities=("Rare Earths",),
        amount=1e9,
        currency="USD",
    )
    out = dedup.merged_fields(base, dedup.event_key(newer), newer)
    assert (out["date"], out["date_basis"]) == ("2025-10-20", "explicit")
    assert out["actors"] == ["US", "AU", "Iluka"]
    assert out["commodities"] == ["critical minerals", "rare earths"]
    assert out["amount"] == 1e9
    month = stored(ev("2025-10", precision="month"), "e2")
    assert dedup.merged_fields(month, dedup.event_key(ev()), ev())["date"] == "2025-10-20"




def test_stored_summary_is_the_shared_headline() -> None:
    from extractors.summary import headline

    fields = stored(ev(actors=("US", "JP"), amount=8.5e9, currency="USD"), "e")
    assert headline(fields) == "US and Japan sign a critical-minerals agreement worth $8.5 billion"
    export = stored(ev(actors=("CN",), type_="export_control", commodities=("gallium",)), "e")
    assert headline(export) == "China expands export controls on gallium"


def test_headline_leaves_out_an_agency_whose_country_is_named() -> None:
    from extractors.summary import headline

    assert headline({"type": "export_control", "actors": ["CN", "MOFCOM"], "commodities": ["rare earths"]}) == (
        "China expands export controls on rare earths"
    )
    # Without its country the agency is the only party named: keep it.
    assert headline({"type": "export_control", "actors": ["MOFCOM"], "commodities": ["gallium"]}).startswith("MOFCOM")
