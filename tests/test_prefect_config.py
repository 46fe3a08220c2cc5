"""prefect.yaml, the failure automation and the README stay true to the code."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_prefect_yaml_declares_the_daily_deployment() -> None:
    conf = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    (dep,) = [d for d in conf["deployments"] if d["name"] == "reewatch-daily"]
    assert dep["entrypoint"] == "flows/daily.py:daily"
    (schedule,) = dep["schedules"]
    assert schedule["cron"] == "0 6 * * *" and schedule["timezone"] == "UTC"
    # The entrypoint must name a real Prefect flow with the declared parameters.
    from prefect.flows import load_flow_from_entrypoint

    flow = load_flow_from_entrypoint(str(ROOT / dep["entrypoint"]))
    assert flow.name == "reewatch-daily"
    assert set(dep["parameters"]) <= set(flow.parameters.properties)


def test_prefect_yaml_declares_the_reprocess_deployment() -> None:
    conf = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    (dep,) = [d for d in conf["deployments"] if d["name"] == "reewatch-reprocess"]
    assert "schedules" not in dep, "reprocess runs when the model changes, not on a clock"
    from prefect.flows import load_flow_from_entrypoint

    flow = load_flow_from_entrypoint(str(ROOT / dep["entrypoint"]))
    assert flow.name == "reewatch-reprocess"
    assert set(dep["parameters"]) <= set(flow.parameters.properties)


@pytest.mark.slow
def test_failure_automation_is_accepted_by_a_real_prefect_server(prefect_server) -> None:
    from prefect.automations import Automation

    text = (ROOT / "docs/automation-failed-run.yaml").read_text()
    data = yaml.safe_load(text.replace("BLOCK_DOCUMENT_ID", str(uuid.uuid4())))
    created = Automation(**data).create()
    try:
        assert created.id is not None
        assert created.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    finally:
        created.delete()


def test_every_command_is_documented_in_the_readme() -> None:
    from typer.main import get_command

    from flows.cli import app

    readme = (ROOT / "README.md").read_text()
    group = get_command(app)
    names = set(group.commands)  # type: ignore[attr-defined]
    assert {"run", "demo", "events", "extract", "eval", "serve", "alerts", "timeline"} <= names
    missing = [n for n in sorted(names) if not re.search(rf"reewatch {n}\b", readme)]
    assert not missing, f"commands not shown in README.md: {missing}"
