"""The HTML report: self-contained, and it renders in a real headless browser.

Chromium runs the page's JS (filters, ready marker) from file://, and a
screenshot is kept under test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flows.report import render_report
from tests.test_cli_query import EVENTS, ROOT, invoke, make_sample_db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (`.ci/run` installs Debian's chromium)"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    db = make_sample_db(tmp / "reewatch.duckdb")
    out = tmp / "report.html"
    result = invoke("report", "--html", str(out), "--db", str(db))
    assert result.exit_code == 0, result.output
    return out


def _chromium(tmp: Path, *args: str) -> str:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'chromium-profile'}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class _Rows(HTMLParser):
    """Collects the attributes of every event row (div.ev) of a DOM dump."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.rows: list[dict[str, str | None]] = []
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and ("class", "ev") in attrs:
            self.rows.append(dict(attrs))


def test_page_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page and "<img" not in page
    assert "@import" not in page and "url(" not in page
    # the only network addresses are the article links the analyst clicks
    for m in re.finditer(r'(?:src|href)="([^"]+)"', page):
        assert re.match(r"https://news\d\.example/", m.group(1)), m.group(1)
    assert page.count('class="ev"') == len(EVENTS)
    assert 'id="chart-type"' in page and 'id="chart-country"' in page


def test_report_escapes_and_filters_unsafe_links() -> None:
    event = {"event_id": "x1", "type": "agreement", "date": "2025-10-01", "date_precision": "day",
             "actors": ["US", "<b>Acme</b>"], "commodities": ["rare earths"], "source_count": 1}
    sources = {"x1": [{"outlet": "Evil", "title": "<script>alert(1)</script>", "url": "javascript:alert(1)",
                       "sentence": "a & b", "published": None}]}
    page = render_report([event], sources, since=date(2025, 1, 1))
    assert "<script>alert(1)" not in page and "javascript:" not in page
    assert "&lt;b&gt;Acme&lt;/b&gt;" in page and "a &amp; b" in page


def test_empty_report_renders() -> None:
    page = render_report([], {})
    assert "No events in this range." in page and "no dated events" in page


@needs_chromium
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert 'data-ready="1"' in dom, "the page's script did not run to the end"
    assert dom.count('class="bar"') >= 8 and dom.count('class="cell"') >= 6
    assert len(_Rows(dom).rows) == len(EVENTS)
    assert f'data-shown="{len(EVENTS)}"' in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri())
    assert shot.stat().st_size > 10_000


@needs_chromium
@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("type=agreement", sum(e[2] == "agreement" for e in EVENTS)),
        ("country=CN", sum("CN" in e[5] for e in EVENTS)),
        ("q=lynas", 1),
        ("type=export_control&country=CN", 1),
    ],
)
def test_filters_hide_rows(report: Path, tmp_path: Path, fragment: str, expected: int) -> None:
    dom = _chromium(tmp_path, "--dump-dom", f"{report.as_uri()}#{fragment}")
    assert 'data-ready="1"' in dom
    visible = [r for r in _Rows(dom).rows if "hidden" not in r]
    assert len(visible) == expected, fragment
    assert f'data-shown="{expected}"' in dom
