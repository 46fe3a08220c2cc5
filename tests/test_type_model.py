"""The trained type decision: training data from gold notes, outlet grouping, a
deterministic training run, the shipped model, and what nlp_version hashes."""

from __future__ import annotations

import pytest

from extractors import event_data, type_model
from extractors.crossval import assign_folds, outlet_groups
from extractors.event_data import LabelledSentence

# written for these tests (not taken from any gold file)
SENTENCES = [
    ("Ministers from both countries signed a framework on rare earth supply on Monday.", {"agreement"}),
    ("The two firms signed an offtake deal for neodymium oxide.", {"agreement"}),
    ("Beijing tightened export controls on gallium and germanium on Friday.", {"export_control"}),
    ("The commerce ministry imposed new curbs on graphite exports.", {"export_control"}),
    ("Officials said the licence requirement for rare earth magnets was suspended.", {"export_control_easing"}),
    ("The bank approved a $300m loan for a lithium refinery.", {"investment"}),
    ("Analysts expect rare earth prices to rise next year.", set()),
    ("Shares in the miner fell 4% as graphite demand slowed.", set()),
    ("A columnist argued that cobalt markets could tighten.", set()),
    ("The museum exhibit shows how magnets are made.", set()),
]


def _sents() -> list[LabelledSentence]:
    return [LabelledSentence(t, set(labs), f"a{i}", f"g{i % 3}") for i, (t, labs) in enumerate(SENTENCES)]


def test_locate_finds_the_quoted_sentence_through_ellipses():
    sents = ["Prices rose.", "China's commerce ministry said on Thursday it would add five elements to its list.",
             "Other news."]
    note = "'China’s commerce ministry said ... it would add five elements' (Thursday)"
    assert event_data.quoted_fragments(note) == [["china", "s", "commerce", "ministry", "said"],
                                                 ["it", "would", "add", "five", "elements"]]
    assert event_data.locate(note, sents, {0, 1, 2}) == 1
    assert event_data.locate("'nothing like any of these words here'", sents, set()) is None


def test_outlet_groups_join_near_identical_names():
    lines = [
        {"id": "1", "outlet": "BBC News"},
        {"id": "2", "outlet": "BBC News (lightly rewritten republication on example.github.io)"},
        {"id": "3", "outlet": "alpha press release (via Newswire.ai press-release archive)"},
        {"id": "4", "outlet": "beta press release (via Newswire.ai press-release archive)"},
        {"id": "5", "outlet": "The Daily Planet"},
        {"id": "6", "outlet": None, "url": "https://www.example.org/x"},
    ]
    g = outlet_groups(lines)
    assert g["1"] == g["2"] and g["3"] == g["4"]
    assert len({g["1"], g["3"], g["5"], g["6"]}) == 4
    folds = assign_folds({"a": 5, "b": 3, "c": 2, "d": 2}, 2)
    assert folds == assign_folds({"d": 2, "c": 2, "b": 3, "a": 5}, 2)  # order-free, deterministic
    sizes = {"a": 5, "b": 3, "c": 2, "d": 2}
    loads = [sum(n for k, n in sizes.items() if folds[k] == f) for f in (0, 1)]
    assert sorted(loads) == [5, 7] and folds["a"] != folds["b"]  # largest first, into the lighter fold


def test_same_seed_same_model():
    config = type_model.read_config()
    a = type_model.TypeModel(type_model.fit(_sents(), config, 3))
    b = type_model.TypeModel(type_model.fit(_sents(), config, 3))
    c = type_model.TypeModel(type_model.fit(_sents(), config, 4))
    assert a.weights_bytes() == b.weights_bytes()
    probe = ["Japan and India signed a pact on critical minerals.", "Prices of lithium fell."]
    assert a.scores(probe) == b.scores(probe)
    assert a.weights_bytes() != c.weights_bytes()  # the seed does reach the weights
    # it learned something: the agreement sentence scores higher for agreement than the price one
    sa, sb = a.scores(probe)
    assert sa["agreement"] > sb["agreement"]


def test_round_trip_and_shipped_model(tmp_path):
    model = type_model.TypeModel(type_model.fit(_sents(), type_model.read_config(), 3), 0.6, 0.1, {"seed": 3})
    model.to_disk(tmp_path / "m")
    back = type_model.load(tmp_path / "m")
    assert (back.threshold, back.keep_threshold) == (0.6, 0.1)
    assert back.scores(["A deal on rare earths."]) == model.scores(["A deal on rare earths."])
    with pytest.raises(FileNotFoundError):
        type_model.load(tmp_path / "nothing")
    shipped = type_model.load()  # committed in models/event_types/, loads offline
    assert 0.0 <= shipped.keep_threshold and shipped.threshold > 0.0
    assert set(shipped.scores(["x"])[0]) == set(type_model.EVENT_TYPES)
    size = sum(p.stat().st_size for p in type_model.MODEL_DIR.rglob("*") if p.is_file())
    assert size < 5_000_000, f"shipped model is {size} bytes"


def test_nlp_version_hashes_the_stage_and_the_model():
    import models

    files = {p.relative_to(models._ROOT).as_posix() for p in models.event_stage_files()}
    for must in ("extractors/events/__init__.py", "extractors/events/triggers.py", "extractors/dates.py", "extractors/type_model.py",
                 "models/orgs.py", "models/patterns/triggers.jsonl",
                 "models/event_types/textcat_multilabel/model", "models/event_types/decision.json"):
        assert must in files
    assert "extractors/http.py" not in files  # fetching code does not version events


def test_every_file_of_the_event_package_changes_nlp_version(tmp_path, monkeypatch):
    """The stage is a package: each of its modules (found by the import walk, no list) is
    hashed, so editing any one of them gives a new nlp_version."""
    import shutil

    import models

    root = models._ROOT
    shutil.copytree(root / "extractors", tmp_path / "extractors", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "models", tmp_path / "models", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(models, "_ROOT", tmp_path)
    monkeypatch.setattr(models, "PATTERN_DIR", tmp_path / "models" / "patterns")
    package = sorted((tmp_path / "extractors" / "events").glob("*.py"))
    assert len(package) >= 8 and {p.name for p in package} >= {
        "__init__.py", "segmenting.py", "candidates.py", "triggers.py", "modality.py",
        "arguments.py", "dating.py", "merging.py",
    }
    hashed = set(models.event_stage_files())
    assert set(package) <= hashed
    base = models.patterns_hash.__wrapped__()
    for path in package:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        try:
            assert models.patterns_hash.__wrapped__() != base, path.name
        finally:
            path.write_bytes(original)
    assert models.patterns_hash.__wrapped__() == base
