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
