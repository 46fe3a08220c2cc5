"""The trained event-type decision: which event types a candidate sentence reports.

Why a trained model: hand-listed trigger words and vetoes fit the articles they were
written against and miss plain news English elsewhere. A small multi-label text
classifier (models/event_types.cfg: spaCy textcat_multilabel, bag of words and
bigrams) learns the decision from the gold sets (extractors.event_data); the rules keep
the arguments, dates, modality and negation.

`train` is deterministic: the seed fixes the weight initialisation, the dropout masks
and the example order, so the same data and seed give the same model bytes.
The decision thresholds are picked on the training data only (extractors.training).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.event_data import LabelledSentence
from extractors.types import EVENT_TYPES

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
CONFIG_PATH = MODELS_DIR / "event_types.cfg"
MODEL_DIR = MODELS_DIR / "event_types"
PIPE = "textcat_multilabel"
DECISION_FILE = "decision.json"


def _text(sentence: str) -> str:
    """What the classifier reads: the sentence lower-cased (case carries no type)."""
    return sentence.lower()


@dataclass
class TypeModel:
    """A trained classifier plus its decision thresholds.

    `nlp` may be None with `path` set: the pipeline is then loaded from `path` when first
    needed (why: under thresholds that make the model a no-op, extraction never scores a
    sentence, and `reewatch extract` need not pay the load)."""

    nlp: Any
    threshold: float = 0.5  # a sentence reports type T when its score reaches this
    keep_threshold: float = 0.25  # ... or this, when the rules found a trigger of T in it
    info: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def pipeline(self) -> Any:
        """The trained spaCy pipeline (loaded from `path` on first use)."""
        if self.nlp is None and self.path is not None:
            import spacy

            self.nlp = spacy.load(self.path)
        return self.nlp

    def scores(self, sentences: Sequence[str], batch_size: int = 256) -> list[dict[str, float]]:
        """Per sentence: type -> probability that the sentence reports an event of that type."""
        out = []
        for doc in self.pipeline().pipe((_text(s) for s in sentences), batch_size=batch_size):
            out.append({t: float(doc.cats.get(t, 0.0)) for t in EVENT_TYPES})
        return out

    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.pipeline().to_disk(path)
        decision = {"threshold": self.threshold, "keep_threshold": self.keep_threshold, **self.info}
        (path / DECISION_FILE).write_text(json.dumps(decision, indent=1, sort_keys=True) + "\n")

    def weights_bytes(self) -> bytes:
        return self.pipeline().get_pipe(PIPE).to_bytes(exclude=["vocab"])


def load(path: Path = MODEL_DIR) -> TypeModel:
    """A trained model (offline: a directory in models/); its pipeline loads on first use."""
    if not (path / DECISION_FILE).exists():
        raise FileNotFoundError(f"no trained event-type model in {path} (run `reewatch train`)")
    decision = json.loads((path / DECISION_FILE).read_text())
    return TypeModel(
        None, float(decision.pop("threshold")), float(decision.pop("keep_threshold")), decision, path
    )


def read_config(path: Path = CONFIG_PATH):
    from spacy.util import load_config

    return load_config(path)


def fit(sentences: Sequence[LabelledSentence], config, seed: int):
    """Train the classifier of `config` on `sentences` (no thresholds)."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    training = config["training"]
    fix_random_seed(seed)
    nlp_cfg = config.copy()
    nlp_cfg.pop("training", None)
    nlp = spacy.util.load_model_from_config(nlp_cfg, auto_fill=True, validate=True)
    nlp.meta["name"] = "event_types"
    nlp.meta["description"] = "reewatch event-type decision (reewatch train)"
    textcat = nlp.get_pipe(PIPE)
    for t in EVENT_TYPES:
        textcat.add_label(t)
    examples = [
        Example.from_dict(nlp.make_doc(_text(s.text)), {"cats": {t: float(t in s.labels) for t in EVENT_TYPES}})
        for s in sentences
    ]
    optimizer = spacy.registry.resolve({"o": training["optimizer"]})["o"]
    nlp.initialize(lambda: examples, sgd=optimizer)
    order = random.Random(seed)
    for _ in range(int(training["max_epochs"])):
        batch_order = list(examples)
        order.shuffle(batch_order)
        for batch in minibatch(batch_order, size=int(training["batch_size"])):
            nlp.update(batch, sgd=optimizer, drop=float(training["dropout"]))
    return nlp


def fit_for(sentences: Sequence[LabelledSentence], seed: int | None = None, config_path: Path = CONFIG_PATH) -> tuple[Any, int]:
    """`fit` with the settings of models/event_types.cfg; returns (pipeline, seed used)."""
    config = read_config(config_path)
    seed = int(config["training"]["seed"] if seed is None else seed)
    return fit(sentences, config, seed), seed
