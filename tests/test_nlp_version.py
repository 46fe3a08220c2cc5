"""The daily run learns the current nlp_version without loading spaCy, and that cheap
version is the one the loaded extractor stamps on articles (else every run would look
behind, or a model change would go unnoticed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from flows.daily import current_nlp_version, get_extractor
cheap = current_nlp_version()
loaded_before = "spacy" in sys.modules
print(json.dumps({"cheap": cheap, "spacy_model_loaded": loaded_before,
                  "extractor": get_extractor().nlp_version}))
"""


def test_cheap_version_is_the_extractors_and_loads_no_model() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["cheap"] == got["extractor"]
    assert not got["spacy_model_loaded"]


def test_installed_model_version_reads_the_package_meta(tmp_path: Path, monkeypatch) -> None:
    import models

    pkg = tmp_path / "en_core_web_sm"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "meta.json").write_text(json.dumps({"lang": "en", "name": "core_web_sm", "version": "9.9.9"}),
                                   encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert models.installed_model_version() == "en_core_web_sm-9.9.9"
    monkeypatch.setattr(models, "_MODEL_NAMES", ("no_such_model_package_here",))
    assert models.installed_model_version() is None
