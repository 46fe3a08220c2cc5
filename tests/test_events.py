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
    assert ex.nlp_version.startswith("rules-") and "/" in ex.nlp_version
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
