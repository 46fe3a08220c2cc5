"""The event stage as a package: its trigger component declares what it reads and writes
and gives the same triggers inside a pipeline as the stage's own matching, and per-article
state lives in an explicit context (deciding an article twice gives the same events)."""

from __future__ import annotations

from datetime import datetime

import pytest
from spacy.language import Language

import models
from extractors.events import EventExtractor, segment
from extractors.events.candidates import choose
from extractors.events.context import Seg
from extractors.events.extractor import article_context, article_events
from extractors.events.triggers import find_triggers
from extractors.types import Article

PUB = datetime(2025, 10, 30)
TEXT = (
    "Beijing tightened export controls on gallium and graphite on Thursday. "
    "The two leaders signed a framework on rare earth supply in Tokyo on Monday. "
    "Analysts said prices of dysprosium could rise."
)


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def test_trigger_component_declares_requires_and_assigns():
    meta = Language.get_factory_meta("ree_event_triggers")
    assert "doc._.event_triggers" in meta.assigns
    assert {"token.lemma", "token.dep", "token.pos"} <= set(meta.requires)


def test_trigger_component_in_a_pipeline_matches_the_stage(ex):
    nlp = models.load_nlp()
    nlp.add_pipe("ree_event_triggers", last=True)
    assert "ree_event_triggers" in nlp.pipe_names
    for sent in TEXT.split(". "):
        doc = nlp(sent)
        ours = find_triggers(ex.data, Seg(sent, 0, 0, doc=ex.nlp(sent)))
        assert doc._.event_triggers == [
            (c.type, c.trigger.i, None if c.verb is None else c.verb.i, c.now_precision) for c in ours
        ], sent
    types = {t[0] for t in nlp(TEXT.split(". ")[0])._.event_triggers}
    assert types == {"export_control"}
    assert nlp("Analysts said prices of dysprosium could rise.")._.event_triggers == []


def test_article_state_is_explicit(ex):
    art = Article(url="http://example.test/a", title="Rare earths", text=TEXT, published=PUB)
    plans = ex.prepare([art])
    segs = plans[0]
    assert segs is not None and any(s.doc is not None for s in segs)
    ctx = article_context(ex.data, art, segs)
    assert ctx.pub == PUB.date() and ctx.title_seg is segs[0]
    first = [e.to_format() for e in article_events(ex.data, art, segs)]
    again = [e.to_format() for e in article_events(ex.data, art, segs)]
    assert first == again and {e["type"] for e in first} >= {"export_control"}


def test_only_candidate_sentences_are_chosen(ex):
    text = TEXT + " Click here to read more about rare earth export controls."
    art = Article(url="http://example.test/b", title="Rare earths", text=text, published=PUB)
    segs = segment(art)
    chosen = choose(segs, 3, ex.data.hint)
    assert segs[0] in chosen  # the title always
    assert any("tightened export controls" in s.text for s in chosen)
    assert not any("Click here" in s.text for s in chosen)  # page furniture never is


def test_inflected_forms_come_from_the_lemmatizer(ex):
    """The candidate filter finds a trigger in any form spaCy lemmatises back to it."""
    from extractors.events.candidates import Inflector

    inflect = Inflector.from_nlp(ex.nlp)
    assert {"met", "meets", "meeting"} <= inflect.forms("meet")
    assert {"controlled", "controls", "controlling"} <= inflect.forms("control")
    assert {"duties"} <= inflect.forms("duty") and {"stockpiling", "stockpiled"} <= inflect.forms("stockpile")
    assert "struck" in inflect.forms("strike") and "curbed" in inflect.forms("curb")
    for word in ("met", "struck", "controlled", "duties", "stockpiling", "signed"):
        doc = ex.nlp(f"They {word} it.")
        assert word in inflect.forms(doc[1].lemma_), word


def test_a_rule_fires_only_with_the_words_it_demands(ex):
    """A trigger noun without any of its support verbs cannot be an event: no parse."""
    from extractors.events.candidates import sentence_words

    hint = ex.data.hint
    assert hint.any_trigger(sentence_words("The deal was a topic for analysts of rare earths."))
    assert not hint.may_fire(sentence_words("The deal was a topic for analysts of rare earths."))
    assert hint.may_fire(sentence_words("Kestrel and Borealis signed a rare earth deal."))
    assert hint.may_fire(sentence_words("Beijing curbed exports of gallium."))
    assert hint.may_fire(sentence_words("The leaders met in Busan to discuss rare earths."))
    assert not hint.may_fire(sentence_words("Prices of dysprosium rose sharply on the news."))


def test_the_filter_loses_no_event_of_a_looser_one(ex, monkeypatch, shared_dir):
    """Parsing only sentences on which a rule may fire gives the events of parsing every
    sentence with a trigger word: the filter is a necessary condition of the rules."""
    from extractors.evaluate import article_from_line, read_jsonl
    from extractors.events.candidates import TriggerHint

    arts = [Article(url="http://example.test/t", title="Rare earths", text=TEXT, published=PUB)]
    gold = [shared_dir / "eval" / "dev.jsonl", *sorted((shared_dir / "eval" / "train").glob("*.jsonl"))]
    for path in (p for p in gold if p.exists()):
        arts += [article_from_line(x) for x in read_jsonl(path) if x.get("events")][:15]

    def events() -> list[list[dict]]:
        return [[e.to_format() for e in evs] for evs in ex.extract(arts)]

    tight = events()
    assert sum(map(len, tight)) >= (40 if len(arts) > 1 else 2)
    monkeypatch.setattr(TriggerHint, "may_fire", TriggerHint.any_trigger)
    assert events() == tight


def test_the_sentence_before_a_trigger_gets_its_entities(ex):
    """Parties are often named in the sentence before the event: it gets NER as context
    even when it holds no trigger word (and does not become an event sentence)."""
    from extractors.events import parsing
    from extractors.events.candidates import choose

    text = ("Brightwater Magnetics held its investor day in Denver on Tuesday. "
            "The company signed a supply deal for neodymium with Korvex Metals.")
    art = Article(url="http://example.test/c", title="Neodymium", text=text, published=PUB)
    segs = segment(art)
    parsing.parse(ex.nlp, ex.data, choose(segs, 3, ex.data.hint), [segs])
    before = next(s for s in segs if s.text.startswith("Brightwater"))
    assert before.doc is None and before.light is not None
    assert "Brightwater Magnetics" in {e.text for e in before.light.ents}
    full = ex.nlp(before.text)  # unparsed, yet the entities of the whole pipeline
    assert [(e.text, e.label_) for e in before.light.ents] == [(e.text, e.label_) for e in full.ents]
