"""Article extraction (pure) and fetch_articles through the real Fetcher on loopback."""

# ruff: noqa: F811  (pytest fixtures imported from tests.httpserver are shadowed by parameters)

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime

import pytest

from extractors.articles import decode_html, extract_article, fetch_articles, sniff_kind
from extractors.http import BadContent
from extractors.types import FeedEntry, article_id_for
from tests.httpserver import (
    ENCODED_TEXTS,
    GOOD_PAGE,
    JS_ONLY_PAGE,
    MINIMAL_PDF,
    encoded_page,
    http_server,  # noqa: F401
    other_server,  # noqa: F401
    redirect_to,
    settings_for,
)

PUBLISHED = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def entry(
    url: str, title: str = "Feed title", summary: str = "<p>Feed <b>summary</b> &amp; more.</p>"
) -> FeedEntry:
    return FeedEntry(
        "http://feed.invalid/rss", url, title=title, summary=summary, published=PUBLISHED
    )


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。.]", text) if s.strip()]


# ------------------------------------------------------------------ pure extraction


def test_good_page_text_and_metadata():
    e = entry("http://site.invalid/a")
    article = extract_article(
        GOOD_PAGE, "http://site.invalid/a?from=redirect", "text/html", "utf-8", e
    )
    assert article.extraction == "page" and article.fallback_reason is None
    assert article.title == "Norvania adds licences for magnet alloys"
    assert "export licences for three rare earth magnet alloys" in article.text
    assert "Copyright Test Wire" not in article.text  # boilerplate removed
    assert article.author == "Dana Example" and article.site == "Test Wire"
    assert article.language == "en"
    assert article.published == datetime(2026, 3, 2, tzinfo=UTC)  # page date beats feed date
    assert article.url == e.url and article.id == article_id_for(e.url)
    assert gzip.decompress(article.raw_html_gz) == GOOD_PAGE


@pytest.mark.parametrize("codec", sorted(ENCODED_TEXTS))
@pytest.mark.parametrize("declared", ["header", "meta", "none"])
def test_legacy_encodings_decode_correctly(codec, declared):
    body = encoded_page(codec, with_meta=(declared == "meta"))
    label = {"gb2312": "GB2312", "shift_jis": "Shift_JIS", "cp1252": "windows-1252"}[codec]
    article = extract_article(
        body,
        "http://site.invalid/x",
        "text/html",
        label.lower() if declared == "header" else None,
        entry("http://site.invalid/x"),
    )
    assert article.extraction == "page"
    lang, text = ENCODED_TEXTS[codec]
    for sentence in sentences(text):
        assert sentence in article.text
    assert article.language == lang


def test_windows_1252_punctuation_survives():
    text, _ = decode_html(encoded_page("cp1252", with_meta=False), None)
    assert "« au cas par cas »" in text and "3 €" in text and "— déjà" in text


def test_wrong_declared_charset_falls_through_to_detection():
    body = encoded_page("shift_jis", with_meta=False)
    text, used = decode_html(body, "utf-8")  # a lie: the bytes are Shift_JIS
    assert used == "cp932"
    assert sentences(ENCODED_TEXTS["shift_jis"][1])[0] in text


def test_utf8_bom_wins():
    text, used = decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "iso-8859-1")
    assert text == "<p>café</p>" and used == "utf-8-sig"


def test_js_only_page_falls_back_to_feed():
    article = extract_article(
        JS_ONLY_PAGE, "http://s.invalid/app", "text/html", None, entry("http://s.invalid/app")
    )
    assert article.extraction == "feed" and article.fallback_reason == "empty_extraction"
    assert article.text == "Feed title\n\nFeed summary & more."
    assert article.published == PUBLISHED
    assert article.raw_html_gz is not None  # kept: a better extractor may do better later


def test_pdf_falls_back_even_when_labelled_html():
    article = extract_article(
        MINIMAL_PDF, "http://s.invalid/r.pdf", "text/html", None, entry("http://s.invalid/r.pdf")
    )
    assert article.extraction == "feed" and article.fallback_reason == "not_html: application/pdf"
    assert article.raw_html_gz is None


def test_without_entry_a_useless_page_raises():
    with pytest.raises(BadContent) as info:
        extract_article(JS_ONLY_PAGE, "http://s.invalid/app", "text/html", None, None)
    assert info.value.kind == "empty_extraction"
    with pytest.raises(BadContent) as info:
        extract_article(MINIMAL_PDF, "http://s.invalid/r.pdf", "application/pdf", None, None)
    assert info.value.kind == "not_html"


def test_sniff_kind():
    assert sniff_kind(GOOD_PAGE, None) is None
    assert sniff_kind(GOOD_PAGE, "text/plain") is None
    assert sniff_kind(b"just words", "text/plain") == "text/plain"
    assert sniff_kind(b"{}", "application/json") == "application/json"
    assert sniff_kind(MINIMAL_PDF, "text/html") == "application/pdf"


# ------------------------------------------------------------------ fetch_articles


def test_fetch_articles_mixed_batch(http_server):
    urls = {
        "good": http_server.url("/page/good"),
        "good2": http_server.url("/page/good2"),
        "gone": http_server.url("/fault/410"),
        "missing": http_server.url("/fault/404"),
        "forbidden": http_server.url("/fault/403"),
        "busy": http_server.url("/fault/503"),
        "pdf": http_server.url("/fault/pdf"),
        "png": http_server.url("/fault/png"),
        "js": http_server.url("/page/js-only"),
        "sjis": http_server.url("/enc/shift_jis/none"),
    }
    entries = [entry(u, title=name) for name, u in urls.items()]
    entries.append(entry(urls["good"], title="duplicate"))
    batch = fetch_articles(entries, settings_for(http_server, retries=1, extract_all=True))

    by_title = {a.title if a.extraction == "feed" else a.url: a for a in batch.articles}
    assert by_title[urls["good"]].extraction == "page"
    assert by_title[urls["good2"]].title == "Port of Elmsby opens a separation plant"
    assert by_title[urls["sjis"]].language == "ja"
    assert by_title["gone"].fallback_reason == "http_410"
    assert by_title["missing"].fallback_reason == "http_404"
    assert by_title["forbidden"].fallback_reason == "http_403"
    assert by_title["pdf"].fallback_reason == "not_html: application/pdf"
    assert by_title["png"].fallback_reason == "not_html: image/png"
    assert by_title["js"].fallback_reason == "empty_extraction"
    assert "busy" not in by_title
    assert len(batch.articles) == 9  # 10 unique URLs minus the transient one

    assert [e.url for e in batch.retry] == [urls["busy"]]
    kinds = sorted((e.kind, e.transient) for e in batch.errors)
    assert kinds == [
        ("http_403", False),
        ("http_404", False),
        ("http_410", False),
        ("http_503", True),
    ]
    assert all(
        e.stage == "article" and e.feed_url == "http://feed.invalid/rss" for e in batch.errors
    )

    assert http_server.count("/page/good") == 1  # duplicate entry fetched once
    assert http_server.count("/fault/503") == 2  # retried once
    assert http_server.count("/fault/404") == 1  # never retried
    # articles come back in entry order
    assert [a.url for a in batch.articles][:2] == [urls["good"], urls["good2"]]


def test_fetch_articles_respects_robots(http_server):
    http_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /page/good2\n", content_type="text/plain"
    )
    batch = fetch_articles(
        [
            entry(http_server.url("/page/good")),
            entry(http_server.url("/page/good2"), title="blocked"),
        ],
        settings_for(http_server, respect_robots=True),
    )
    reasons = {a.title: a.fallback_reason for a in batch.articles}
    assert reasons["blocked"] == "robots_disallowed"
    assert [e.kind for e in batch.errors] == ["robots_disallowed"]
    assert http_server.count("/page/good2") == 0


def test_empty_batch():
    batch = fetch_articles([], settings_for())
    assert batch.articles == [] and batch.errors == [] and batch.retry == []


def test_errors_align_with_failed_entries_and_name_the_entry(http_server, other_server):
    hop = redirect_to(http_server, other_server.url("/page/good"))
    entries = [
        entry(http_server.url("/fault/404"), title="missing"),
        entry(http_server.url("/page/good")),
        entry(http_server.url("/fault/503"), title="busy"),
        entry(hop, title="redirected"),
    ]
    batch = fetch_articles(entries, settings_for(http_server, retries=0))
    assert len(batch.failed) == len(batch.errors) == 3
    for failed, error in zip(batch.failed, batch.errors, strict=True):
        assert error.url == failed.url  # the entry, not the redirect hop
    hop_error = next(e for e in batch.errors if e.url == hop)
    assert hop_error.kind == "blocked_address"
    assert other_server.url("/page/good") in hop_error.message
    assert [e.title for e in batch.retry] == ["busy"]
    assert other_server.requests == []


def test_teaser_page_under_the_threshold_falls_back(http_server):
    batch = fetch_articles([entry(http_server.url("/page/short"))], settings_for(http_server, extract_all=True))
    assert batch.articles[0].extraction == "feed"
    assert batch.articles[0].fallback_reason == "empty_extraction"
    assert batch.errors == []  # a thin page is not a failure


# ------------------------------------------------------------------ extraction workers


def _two_good(server) -> list[FeedEntry]:
    return [entry(server.url("/page/good")), entry(server.url("/page/good2"))]


def test_workers_outlive_the_thread_that_started_them(http_server):
    """`reewatch serve` runs a flow a day in one process; each run fetches in a new thread."""
    import threading

    results = []
    for _ in range(2):
        worker = threading.Thread(target=lambda: results.append(fetch_articles(_two_good(http_server),
                                                                               settings_for(http_server))))
        worker.start()
        worker.join()
    results.append(fetch_articles(_two_good(http_server), settings_for(http_server)))
    assert [[a.extraction for a in b.articles] for b in results] == [["page", "page"]] * 3
    assert all(b.errors == [] for b in results)


def test_a_dead_worker_pool_is_replaced(http_server):
    import os
    import signal

    from extractors.articles import extraction_pool

    fetch_articles(_two_good(http_server), settings_for(http_server))
    pool = extraction_pool(settings_for(http_server).extract_workers)
    assert pool is not None and pool._processes  # workers are running
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
    batch = fetch_articles(_two_good(http_server), settings_for(http_server))
    assert [a.extraction for a in batch.articles] == ["page", "page"] and batch.errors == []
    assert extraction_pool(settings_for(http_server).extract_workers) is not pool


def test_workers_die_with_a_killed_parent(tmp_path):
    """A SIGKILLed run must not leave extraction processes behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from extractors.articles import extraction_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = extraction_pool(2)\n"
        "    list(pool.map(abs, range(4)))\n"
        "    print(' '.join(map(str, pool._processes)), flush=True)\n"
        "    time.sleep(60)\n"
    )
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False
