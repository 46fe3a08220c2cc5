"""Child process for the crash tests: one real pipeline run, without Prefect.

    python -m tests.crash_child CONFIG DB [SUMMARY_JSON]

Runs `flows.daily.run_pipeline` on the settings of CONFIG against DB with the
Prefect tasks swapped for their plain functions (`task.fn`): a task called outside a
flow would start Prefect's ephemeral API (~13 s), and the code under test here is the
plain core, not Prefect. A run costs ~5 s, most of it importing Prefect and loading
spaCy. One crash test goes through the real flow (`reewatch run`) instead. With REEWATCH_FAILPOINT set the process dies by SIGKILL at that
point (flows/failpoints.py); otherwise it writes the run summary as JSON to
SUMMARY_JSON (when given) and exits 0. A DatabaseLocked error exits 3 with one
clear line on stderr, like `reewatch run`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from flows import runtime

    runtime.configure()
    from flows import daily
    from flows.config import load_settings
    from warehouse.db import DatabaseLocked

    for name in ("poll_feeds_task", "fetch_articles_task", "detect_events_task", "deliver_alerts_task"):
        setattr(daily, name, getattr(daily, name).fn)

    config, db = Path(argv[0]), Path(argv[1])
    out = Path(argv[2]) if len(argv) > 2 else None
    settings = load_settings(config, db)
    try:
        summary = daily.run_pipeline(settings)
    except DatabaseLocked as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 3
    if out is not None:
        out.write_text(json.dumps(summary.as_dict(), default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
