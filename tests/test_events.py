"""Event rules on hand-written sentences (positive and negative), merging and bad input."""

from __future__ import annotations

from datetime import datetime

import pytest

from extractors.events import EventExtractor
from extractors.types import Article


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def art(text: str, title: str = "Rare earths news", pub: str = "2025-10-30") -> Article:
    return Article(url=f"http://example.test/{abs(hash(text))}", title=title, text=text,
                   published=datetime.fromisoformat(pub))


def events(ex, text, **kw):
    return [e for e in ex.extract([art(text, **kw)])[0]]


def types(ex, text, **kw):
    return sorted(e.type for e in events(ex, text, **kw))


def test_version_and_determinism(ex):
    assert ex.nlp_version.split("-")[0] in ("rules", "typecls") and "/" in ex.nlp_version
    a = art("China expanded export controls on rare earths on Thursday.")
    assert [e.to_format() for e in ex.extract([a])[0]] == [e.to_format() for e in ex.extract([a])[0]]


def test_export_control_expanded(ex):
    evs = events(ex, "China expanded export controls on rare earth elements on Oct. 9.")
    assert [(e.type, e.date, e.actors[:1]) for e in evs] == [("export_control", "2025-10-09", ["CN"])]


def test_ministry_tightened_licensing(ex):
    text = ("Beijing has long dominated rare earth processing. On Oct. 9, the ministry tightened "
            "licensing for five more rare earth elements.")
    evs = events(ex, text)
    assert [(e.type, e.date) for e in evs] == [("export_control", "2025-10-09")]
    assert "CN" in evs[0].actors


def test_agreement_with_money_and_metonyms(ex):
    evs = events(ex, "On Oct. 20, Washington and Canberra signed an $8.5 billion framework on critical minerals.")
    assert len(evs) == 1
    e = evs[0]
    assert e.type == "agreement" and e.date == "2025-10-20"
    assert {"US", "AU"} <= set(e.actors)
    assert (e.amount, e.currency) == (8.5e9, "USD")


def test_investment_future_tense(ex):
    evs = events(ex, "Lynas will invest A$180 million in a new rare earths plant in Malaysia.")
    assert [e.type for e in evs] == ["investment"]
    assert "Lynas" in evs[0].actors and (evs[0].amount, evs[0].currency) == (1.8e8, "AUD")
    assert evs[0].date == "2025-10-30"


@pytest.mark.parametrize(
    "text",
    [
        "Rare earth export controls could be tightened next month.",
        "Analysts expect a deal on rare earths in November.",
        "The US expanded export controls on advanced chips on Tuesday.",
        "China did not expand export controls on rare earths on Monday.",
        "If China tightens export controls on rare earths, prices will rise.",
        "Will China tighten rare earth export controls in November?",
    ],
)
def test_negatives(ex, text):
    assert events(ex, text, title="Markets") == []


def test_easing(ex):
    evs = events(ex, "On Friday, China announced the suspension of export controls on rare earths.",
                 pub="2025-11-10")
    assert [(e.type, e.date) for e in evs] == [("export_control_easing", "2025-11-07")]


def test_timeline_box_and_merge(ex):
    text = (
        "China moved again on rare earths. On Oct. 9 China expanded export controls on rare earth elements.\n"
        "What Happened When\nOct. 9, 2025:\nChina expands export controls to all heavy rare earth elements.\n"
        "Oct. 20, 2025:\nU.S. signs $8.5 billion mineral pact with Australia.\n"
    )
    evs = events(ex, text)
    got = sorted((e.type, e.date, len(e.mentions)) for e in evs)
    assert got == [("agreement", "2025-10-20", 1), ("export_control", "2025-10-09", 2)]
    ec = next(e for e in evs if e.type == "export_control")
    for m in ec.mentions:
        assert text[m.start : m.end].split()[:2] == m.sentence.split()[:2]


def test_plural_memoranda_split_per_counterparty(ex):
    evs = events(ex, "Oct. 26, 2025:\nU.S. signs memorandums of cooperation on critical minerals with Malaysia and Thailand.\n")
    assert sorted(tuple(sorted(e.actors)) for e in evs) == [("MY", "US"), ("TH", "US")]


def test_talks_and_stockpile(ex):
    assert types(ex, "On Wednesday, the State Department hosted a critical minerals ministerial meeting.") == ["talks"]
    assert types(ex, "On Monday, Trump announced the creation of a strategic critical mineral reserve.") == ["stockpile"]


def test_trade_measure_and_policy(ex):
    assert types(ex, "Today, President Trump signed an Executive Order launching an investigation into imports of processed critical minerals.") == ["trade_measure"]
    assert types(ex, "Today, President Trump signed an Executive Order to boost critical mineral production.") == ["industrial_policy"]


def test_irrelevant_article_skipped_before_spacy(ex):
    class Boom:
        pipe_names = ["ree_entity_ruler"]
        meta = {}

        def pipe(self, texts, **kw):
            texts = list(texts)
            assert texts == [], "irrelevant article reached spaCy"
            return iter([])

    quiet = EventExtractor.__new__(EventExtractor)
    quiet.__dict__.update(ex.__dict__)
    quiet.nlp = Boom()
    assert quiet.extract([art("The football season starts on Saturday.", title="Sport")]) == [[]]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "rare earths " * 200_000,
        "中国扩大了稀土出口管制。" * 100,
        "rare earth export controls china signed deal talks " * 3000,
        "<div><p>China <b>expanded</b> export controls</p></div> on rare earths &amp; magnets",
    ],
)
def test_bad_input_does_not_crash(ex, text):
    out = ex.extract([art(text)])
    assert isinstance(out, list) and len(out) == 1
    assert len(out[0]) <= 3


def test_one_list_per_article_in_order(ex):
    arts = [art("Nothing here."), art("China expanded export controls on rare earths on Oct. 9."), art("")]
    out = ex.extract(arts)
    assert [len(x) for x in out] == [0, 1, 0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beijing on Tuesday announced export restrictions on gallium and germanium.",
         ("export_control", "2025-10-28", "CN")),
        ("The Commerce Ministry said on Friday it would suspend the ban on exports of antimony to the United States.",
         ("export_control_easing", "2025-10-24", "CN")),
        ("Lynas Rare Earths signed an offtake agreement with the US Defense Department on March 3.",
         ("agreement", "2025-03-03", "Lynas")),
        ("The US imposed a 25% tariff on Chinese permanent magnets on Wednesday.",
         ("trade_measure", "2025-10-29", "US")),
        ("China's industry ministry issued the first batch of 2025 rare earth mining quotas on Friday.",
         ("production_quota", "2025-10-24", "CN")),
        ("Australia will create a A$1.2 billion critical minerals strategic reserve, the government said on Monday.",
         ("stockpile", "2025-10-27", "AU")),
        ("US and Chinese negotiators held talks in Geneva on rare earths on May 10.",
         ("talks", "2025-05-10", "US")),
        ("The European Commission adopted the Critical Raw Materials Act in March 2024.",
         ("industrial_policy", "2024-03", "EU")),
        ("China has resumed exports of rare earth magnets to Europe, customs data showed on Monday.",
         ("export_control_easing", "2025-10-27", "CN")),
        ("Xi and Trump will meet in Busan on Thursday to discuss rare earths and soybeans.",
         ("talks", "2025-10-30", "CN")),
        ("USA Rare Earth said on Monday it had raised $125 million to fund its magnet plant.",
         ("investment", "2025-10-27", "USA Rare Earth")),
    ],
)
def test_more_positives(ex, text, expected):
    evs = events(ex, text)
    assert [(e.type, e.date) for e in evs] == [expected[:2]]
    assert expected[2] in evs[0].actors


@pytest.mark.parametrize(
    "text",
    [
        "Shares of Lynas rose 5% on Monday after rare earth prices jumped.",
        "China controls about 90% of rare earth processing.",
        "The company is considering building a rare earths refinery in Malaysia.",
        "Washington has not signed any deal on critical minerals with Beijing.",
        "The EU is weighing a stockpile of critical minerals.",
        "Several countries signed critical minerals agreements with the US last year.",
        "The Trump administration on Tuesday slapped new export controls on advanced semiconductors "
        "to China, while rare earth stocks rallied.",
        "Since January, the administration has signed or approved 160 minerals deals worth $40 billion.",
    ],
)
def test_more_negatives(ex, text):
    assert events(ex, text, title="Markets") == []


def test_headline_is_one_more_mention(ex):
    title = "China expands rare earth export controls"
    text = "China expanded export controls on rare earths on Thursday, the commerce ministry said."
    evs = ex.extract([art(text, title=title)])[0]
    assert [(e.type, e.date) for e in evs] == [("export_control", "2025-10-30")]
    starts = sorted(m.start for m in evs[0].mentions)
    assert starts[0] == -len(title) - 1  # title offsets are negative (title + "\n" precede the text)
    assert starts[1] == 0


def test_no_publication_date_means_no_guessing(ex):
    a = Article(url="http://example.test/nodate", title="Rare earths",
                text="China expanded export controls on rare earths on Thursday.")
    assert ex.extract([a]) == [[]]
    a.fetched_at = datetime(2025, 10, 31, 8, 0)
    assert [e.date for e in ex.extract([a])[0]] == ["2025-10-30"]


def test_a_rule_bug_in_one_article_is_recorded_not_fatal(ex, monkeypatch):
    good = art("China expanded export controls on rare earths on Thursday.")
    bad = art("Japan signed a rare earths deal with India on Monday.")
    real = EventExtractor._article_events

    def flaky(self, article, segs):
        if article.id == bad.id:
            raise ValueError("boom")
        return real(self, article, segs)

    monkeypatch.setattr(EventExtractor, "_article_events", flaky)
    out = ex.extract([good, bad])
    assert [len(x) for x in out] == [1, 0]
    assert [(e.stage, e.kind, e.url) for e in ex.last_errors] == [("nlp", "rule_error", bad.url)]


def test_missing_model_is_a_clear_error(monkeypatch):
    import models

    monkeypatch.setattr(models, "_MODEL_NAMES", ("no_such_model_xyz",))
    with pytest.raises(models.ModelNotAvailableError, match="No English spaCy model"):
        models.load_nlp()


# ---------------------------------------------------------------- generalisation guards
# Sentences written for these tests (companies invented, countries and phrasings unlike the
# gold sets): they check that the rules work beyond the names and wordings they were tuned on.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Indonesia banned exports of raw nickel ore on Tuesday to push smelting at home.",
         ("export_control", "2025-10-28", "ID")),
        ("Zimbabwe's mines ministry imposed a licensing requirement on lithium concentrate exports on Oct. 14.",
         ("export_control", "2025-10-14", "ZW")),
        ("Beijing granted export licences for gallium to three Korean chipmakers on Wednesday.",
         ("export_control_easing", "2025-10-29", "CN")),
        ("Kenya signed a memorandum of understanding on rare earth exploration with South Korea on Oct. 21.",
         ("agreement", "2025-10-21", "KR")),
        ("Norvik Metals opened a new cobalt refinery in Finland on Oct. 2.",
         ("investment", "2025-10-02", "Norvik Metals")),
        ("The European Commission imposed anti-dumping duties on Chinese graphite electrodes on Monday.",
         ("trade_measure", "2025-10-27", "EU")),
        ("India raised import duties on cobalt from China on Oct. 1.",
         ("trade_measure", "2025-10-01", "IN")),
        ("Myanmar's military government set a cap on rare earth mining output on Tuesday.",
         ("production_quota", "2025-10-28", "MM")),
        ("Indonesia's energy ministry cut the 2026 nickel ore mining quota on Wednesday.",
         ("production_quota", "2025-10-29", "ID")),
        ("India launched a national critical minerals stockpile on Monday.",
         ("stockpile", "2025-10-27", "IN")),
        ("Britain's Defence Ministry opened bidding on Monday to buy lithium and cobalt for the national "
         "defence stockpile, worth up to $300 million.",
         ("stockpile", "2025-10-27", "GB")),
        ("Trade ministers from Japan and India met in New Delhi on Tuesday to discuss rare earth supply chains.",
         ("talks", "2025-10-28", "JP")),
        ("Australian and Indonesian officials held talks on nickel and cobalt processing on Oct. 8.",
         ("talks", "2025-10-08", "AU")),
        ("Chile's government approved a national lithium strategy on Wednesday.",
         ("industrial_policy", "2025-10-29", "CL")),
        ("Brazil's government launched a critical minerals programme on Tuesday.",
         ("industrial_policy", "2025-10-28", "BR")),
        ("Peru's Ministry of Energy and Mines signed a lithium exploration agreement with Halvorsen "
         "Resources on Monday.",
         ("agreement", "2025-10-27", "Halvorsen Resources")),
    ],
)
def test_generalises_to_new_names_and_phrasings(ex, text, expected):
    evs = events(ex, text)
    assert [(e.type, e.date) for e in evs] == [expected[:2]]
    assert expected[2] in evs[0].actors or not expected[2]


def test_unknown_companies_are_parties(ex):
    """Companies no pattern lists are recognised by NER and by name shape (legal suffix dropped)."""
    evs = events(ex, "Aurora Graphite Ltd signed a five-year offtake agreement with Bavarian carmaker "
                     "Lindqvist Motors on Tuesday.")
    assert [(e.type, e.date) for e in evs] == [("agreement", "2025-10-28")]
    assert set(evs[0].actors) == {"Aurora Graphite", "Lindqvist Motors"}
    evs = events(ex, "Tasman Lithium Corp said on Monday it will invest C$450 million in a lithium "
                     "hydroxide refinery in Quebec.")
    assert [(e.type, e.date, e.amount, e.currency) for e in evs] == [("investment", "2025-10-27", 4.5e8, "CAD")]
    assert evs[0].actors == ["Tasman Lithium"]
    evs = events(ex, "Ridgeline Magnetics, a Colorado start-up backed by two pension funds, said on Tuesday "
                     "it had signed a supply deal for neodymium oxide with Cygnet Rare Earths.")
    assert [(e.type, e.date) for e in evs] == [("agreement", "2025-10-28")]  # "backed by": no investment
    assert set(evs[0].actors) == {"Ridgeline Magnetics", "Cygnet Rare Earths"}


def test_state_lender_maps_to_its_country(ex):
    evs = events(ex, "Export Development Canada will lend C$300 million to Boreal Rare Earths Inc. for its "
                     "separation plant, the agency said on Friday.")
    assert [(e.type, e.date, e.amount) for e in evs] == [("investment", "2025-10-24", 3e8)]
    assert set(evs[0].actors) == {"CA", "Export Development Canada", "Boreal Rare Earths"}


def test_agreement_parties_are_the_signers_not_the_motive(ex):
    evs = events(ex, "Canada and Germany signed a critical minerals partnership in Berlin on Wednesday "
                     "to cut dependence on China.")
    assert [(e.type, e.date, sorted(e.actors)) for e in evs] == [("agreement", "2025-10-29", ["CA", "DE"])]


def test_money_inside_an_agreement_is_not_an_investment(ex):
    text = ("Japan and the Philippines signed a framework on critical minerals on Monday, "
            "committing $2 billion to processing projects over five years.")
    assert types(ex, text) == ["agreement"]


def test_quota_handed_out_is_not_an_export_control(ex):
    text = ("China's industry ministry has distributed the first batch of rare earth mining "
            "and smelting quotas for 2026 to the state groups, people familiar with the matter said.")
    assert types(ex, text) == ["production_quota"]


def test_suspension_is_easing_only(ex):
    text = "Jakarta said on Monday it would suspend its export ban on bauxite and nickel ore for six months."
    assert types(ex, text, pub="2025-11-05") == ["export_control_easing"]


@pytest.mark.parametrize(
    "text",
    [
        "Lindqvist Motors shares rose 3% on Tuesday after the lithium price rebounded.",
        "Tasman Lithium may build a refinery in Quebec if prices recover.",
        "Analysts say Indonesia could ban nickel exports next year.",
        "Export Development Canada has lent billions to mining companies over the past decade.",
        "Cobalt, which is covered by export licensing, traded flat on Wednesday.",
        "Norvik Metals, a Finnish refiner backed by two pension funds, reported higher profits for cobalt on Monday.",
        "The Harbour Metals Group said on Monday that graphite demand was rising.",
        "Chile has not approved a new lithium strategy.",
        "Mexico is weighing a stockpile of lithium.",
        "Zambia has since replaced the cobalt export suspension with a quota system.",
    ],
)
def test_generalisation_negatives(ex, text):
    assert events(ex, text, title="Markets") == []


def test_headline_repeated_atop_the_body_is_not_joined_to_the_lede(ex):
    title = "Canada and Chile sign lithium pact as Xi meets Lula in Brasilia"
    text = title + "\nCanada and Chile signed a lithium partnership on Tuesday in Santiago.\n"
    evs = events(ex, text, title=title)
    assert [(e.type, e.date) for e in evs] == [("agreement", "2025-10-28")]  # no talks from the headline


def test_company_short_name_and_the_ledes_day(ex):
    """Later paragraphs call a company by its first word and tell the lede's news undated."""
    text = (
        "Halden Graphite Ltd will build a $310 million anode plant in Ohio.\n"
        "Halden Graphite, a Cleveland start-up, said on Tuesday it would spend $310 million on the plant, "
        "which will process natural graphite from Canada.\n"
        "The plant will employ 400 people, the company said.\n"
        "To secure feedstock, Halden signed a ten-year graphite offtake agreement with Moosonee Mining Corp.\n"
    )
    evs = events(ex, text, title="Halden Graphite plans Ohio anode plant")
    got = sorted((e.type, e.date, tuple(sorted(e.actors))) for e in evs)
    assert ("agreement", "2025-10-28", ("Halden Graphite", "Moosonee Mining")) in got
    assert ("investment", "2025-10-28", ("Halden Graphite",)) in got


def test_eased_measure_keeps_its_own_date(ex):
    text = ("Indonesia's trade ministry said on Monday it would suspend the nickel ore export "
            "restrictions that it announced on Sept. 3.")
    evs = events(ex, text, pub="2025-11-05")
    assert sorted((e.type, e.date) for e in evs) == [
        ("export_control", "2025-09-03"), ("export_control_easing", "2025-11-03")]


def test_another_kind_of_licence_is_no_export_licence(ex):
    assert types(ex, "In May 2025, Greenland granted a 30-year exploitation licence to Kestrel Mining for its graphite deposit.") == []
    assert types(ex, "Under the law, exploration licences for critical minerals are issued for up to 15 years.") == []
    assert types(ex, "China granted export licences for rare earth magnets to Kestrel Magnetics on Monday.") == ["export_control_easing"]


def test_source_lists_and_citations_are_furniture(ex):
    text = "Sources: A. Writer, “Kestrel Takes $50 Million Loan from EXIM for Rare Earth Plant”, Reuters, 6 September 2023."
    assert types(ex, text) == []
    # the same news told in a sentence is an event
    assert types(ex, "Kestrel took a $50 million loan from EXIM for a rare earth plant on Monday.") == ["investment"]
