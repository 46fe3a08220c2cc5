"""Rare-earth / critical-minerals policy events from article text (rules over a spaCy parse).

The stage as a package, one module per step, in pipeline order:

- segmenting: regex sentences with offsets; timeline date lines become headers;
- candidates: which sentences are worth parsing (the words a rule needs, a commodity near);
- type_decision: the trained type model's scores and how they combine with the rules;
- parsing: one `nlp.pipe` over a batch's candidates, statistical NER only near possible triggers;
- triggers and modality: trigger rules over the parse, vetoed by modality and negation;
- arguments: actors, commodities and amounts; dating: the event's own date;
- merging: mentions of one event become one Event; a headline joins a body event;
- extractor: `EventExtractor`, which runs them over a batch of articles.

State is explicit: `context.StageData` holds the loaded rules and tables, and
`context.ArticleContext` one article's state while its events are decided.

Mention offsets index `article.text`. A mention found in the title has negative offsets:
the title is treated as if it preceded the text with one separator, so title char i has
offset i - len(title) - 1.
"""

from __future__ import annotations

from extractors.events.arguments import _core_tokens, _subjects
from extractors.events.candidates import Inflector
from extractors.events.candidates import is_cand as _is_cand
from extractors.events.candidates import trigger_hint as _trigger_hint
from extractors.events.extractor import EventExtractor, ExtractionError
from extractors.events.rules import load_rules as _load_rules
from extractors.events.segmenting import segment

__all__ = [
    "EventExtractor",
    "ExtractionError",
    "Inflector",
    "_core_tokens",
    "_is_cand",
    "_load_rules",
    "_subjects",
    "_trigger_hint",
    "segment",
]
