"""Bad input to the event stage: no crash, no error, and no event the text does not state."""

from __future__ import annotations

from datetime import datetime

import pytest

from extractors.events import EventExtractor
from extractors.types import Article

NEWS = "Shares of miners rose on Thursday as investors weighed demand for rare earth magnets in electric vehicles. "


@pytest.fixture(scope="module")
def ex() -> EventExtractor:
    return EventExtractor()


def art(text: str) -> Article:
    return Article(url=f"http://example.test/bad{abs(hash(text))}", title="Rare earths news", text=text,
                   published=datetime(2025, 10, 30))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n\n\t ", id="blank"),
        pytest.param("rare earths " * 200_000, id="2MB-of-one-phrase"),
        pytest.param(NEWS * 10_000, id="1MB-of-ordinary-news"),
        pytest.param("中国扩大了稀土出口管制。" * 100, id="chinese"),
        pytest.param("China hat am Donnerstag die Exportkontrollen für seltene Erden ausgeweitet. " * 50, id="german"),
        pytest.param("China amplió el jueves los controles de exportación de tierras raras. " * 50, id="spanish"),
        pytest.param("rare earth export controls china signed deal talks " * 3000, id="keyword-soup"),
        pytest.param("the ministry said rare earth magnets were in demand and prices of neodymium rose while "
                     "analysts said talks could come " * 400, id="unpunctuated"),
        pytest.param("<div><p>China <b>expanded</b> export controls</p></div> on rare earths &amp; magnets",
                     id="markup-undated"),
        pytest.param("<script>var s='China signed a rare earths agreement on Monday';</script><style>.x{}</style>" * 200,
                     id="script-and-style"),
        pytest.param("\x00\x01\x02rare earths\ufffd\ufffd" * 10_000, id="control-characters"),
    ],
)
def test_bad_input_gives_no_event_and_no_error(ex, text):
    out = ex.extract([art(text)])
    assert out == [[]]
    assert ex.last_errors == []


def test_a_real_event_at_the_top_of_a_huge_page_is_found_once(ex):
    text = "China expanded export controls on rare earths on Thursday. " + NEWS * 10_000
    out = ex.extract([art(text)])
    assert [(e.type, e.date, e.actors) for e in out[0]] == [("export_control", "2025-10-30", ["CN"])]
