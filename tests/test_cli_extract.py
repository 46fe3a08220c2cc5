"""`reewatch extract` is the evaluation contract: light start-up, no Prefect, no flow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from typer.testing import CliRunner
from flows.cli import app
result = CliRunner().invoke(app, ["extract", sys.argv[1], "-o", sys.argv[2]])
print(result.exit_code, "prefect" in sys.modules, "flows.daily" in sys.modules)
"""


def test_extract_runs_without_prefect(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "a1", "published": "2025-10-30", "title": "Rare earths",
                               "text": "China expanded export controls on rare earths on Thursday."}) + "\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", PROBE, str(src), str(out)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr[-2000:]
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["id"] == "a1" and [e["type"] for e in lines[0]["events"]] == ["export_control"]
