"""The NLP speed-ups change nothing: the indexed attribute ruler annotates exactly as spaCy's
Matcher-based one, and NER on demand (only near triggers) gives the same events as NER
on every parsed sentence."""

from __future__ import annotations

from datetime import datetime

import pytest

import models
from extractors.evaluate import article_from_line, read_jsonl
from extractors.events import EventExtractor, parsing, segment
from extractors.types import Article

SENTENCES = [
    "I ain't gonna sign it, y'all, but you gotta admit it was close.",
    "Let's see whether they do it: there is a deal and there were talks.",
    "She did her homework; it gave him what he wanted and that was that.",
    "C'mon,  the  minister said  that those who want export licences must apply.\n\nNew line.",
    "China's Ministry of Commerce tightened controls on gallium, germanium and graphite on Oct. 9.",
    "Acme Rare Metals Ltd. and the U.S. Department of Energy signed a $400 million offtake deal.",
    "What did you give it? Which one was it? It is what it is, but not for long.",
    "He gets it; she got it; they have had enough and do not want more.",
]


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def test_indexed_attribute_ruler_matches_spacy(ex):
    stock = models._load_base()  # the model's own AttributeRuler, Matcher and all
    ours = ex.nlp
    for text in SENTENCES:
        a, b = stock(text), ours(text)
        assert [t.text for t in a] == [t.text for t in b]
        assert [(t.pos_, t.tag_, t.lemma_, str(t.morph), t.dep_) for t in a] == [
            (t.pos_, t.tag_, t.lemma_, str(t.morph), t.dep_) for t in b
        ], text


def test_indexed_attribute_ruler_returns_the_same_matches(ex):
    stock = models._load_base()
    ar_stock, ar_ours = stock.get_pipe("attribute_ruler"), ex.nlp.get_pipe("attribute_ruler")
    upto = stock.pipe_names.index("attribute_ruler")
    for text in SENTENCES:
        with stock.select_pipes(enable=stock.pipe_names[:upto]):
            doc = stock(text)
        assert sorted(set(ar_ours.match(doc))) == sorted(set(ar_stock.match(doc))), text


def _articles() -> list[Article]:
    pub = datetime(2025, 10, 30)
    texts = [
        ("Kestrel signs rare earth supply deal",
         "Kestrel Magnetics said on Tuesday it had signed a supply agreement with Borealis Metals "
         "for neodymium oxide. The company, based in Ohio, makes permanent magnets. Kestrel will "
         "also invest $120 million in a new magnet plant in Texas, it said. Analysts at Harbor "
         "Capital said the deal eases pressure on carmakers."),
        ("China curbs graphite exports",
         "Beijing announced new export controls on graphite on Oct. 20. The Ministry of Commerce "
         "said licences would be required. Separately, officials from Japan and Vietnam met in "
         "Hanoi on Monday to discuss rare earth cooperation. Prices of dysprosium rose."),
        ("Markets", "Shares rose on Wall Street. Rare earth miners were flat. Nothing was signed."),
    ]
    return [Article(url=f"http://example.test/{n}", title=t, text=x, published=pub)
            for n, (t, x) in enumerate(texts)]


def _formats(ex: EventExtractor, arts: list[Article]) -> list[list[dict]]:
    return [[{**e.to_format(), "mentions": [(m.start, m.end, m.trigger) for m in e.mentions]} for e in evs]
            for evs in ex.extract(arts)]


def test_ner_on_demand_gives_the_same_events(ex, monkeypatch):
    arts = _articles()
    staged = _formats(ex, arts)
    monkeypatch.setattr(parsing, "STAGED_NER", False)
    full = _formats(ex, arts)
    assert staged == full
    assert sum(map(len, staged)) >= 3  # the articles do hold events


def test_ner_sentences_match_the_full_pipeline(ex):
    """Sentences chosen for NER carry exactly the entities a full pipeline run gives them."""
    segs = segment(_articles()[0])
    parsing.parse(ex.nlp, ex.data, list(segs), [segs])
    checked = 0
    for s in segs:
        full = ex.nlp(s.text)
        if s.is_title or "Kestrel" in s.text:
            assert [(e.text, e.label_, e.ent_id_) for e in s.doc.ents] == [
                (e.text, e.label_, e.ent_id_) for e in full.ents
            ], s.text
            checked += 1
    assert checked >= 3


def test_ner_on_demand_on_the_dev_set(ex, monkeypatch, shared_dir):
    dev = shared_dir / "eval" / "dev.jsonl"
    if not dev.exists():
        pytest.skip(f"{dev} not found (the shared eval data sits beside the project in CI)")
    arts = [article_from_line(x) for x in read_jsonl(dev) if x.get("events")][:50]
    staged = _formats(ex, arts)
    assert sum(map(len, staged)) >= 20
    monkeypatch.setattr(parsing, "STAGED_NER", False)
    assert _formats(ex, arts) == staged


def test_cached_lemmas_match_spacy_on_a_second_pass(ex):
    """Every lemma is cached after its first computation: a second pass over the same
    words (served from the cache) still lemmatises exactly as the stock lemmatizer."""
    stock = models._load_base()
    for _ in range(2):
        for text in SENTENCES:
            assert [t.lemma_ for t in ex.nlp(text)] == [t.lemma_ for t in stock(text)], text


def test_a_no_op_type_model_is_not_run_and_changes_nothing(ex, monkeypatch):
    """Thresholds that keep every rule trigger and add none skip the scoring: the events
    are those of a model whose scores are computed and applied."""
    from extractors.events import type_decision

    tm = ex.type_model
    if tm is None:
        pytest.skip("no shipped type model")
    arts = _articles()
    monkeypatch.setattr(tm, "keep_threshold", 0.0)
    monkeypatch.setattr(tm, "threshold", 1.01)
    skipped = _formats(ex, arts)
    plans = ex.prepare(arts)
    assert all(s.cats is None for p in plans if p for s in p)
    monkeypatch.setattr(type_decision, "no_op", lambda _tm: False)
    plans = ex.prepare(arts)
    assert any(s.cats is not None for p in plans if p for s in p)
    assert _formats(ex, arts) == skipped
