"""Alert outbox against a real DuckDB file, real apprise and a real loopback receiver."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extractors.types import article_id_for
from flows.alerts import (
    AlertMessage,
    AlertRuleError,
    ChannelResult,
    NoAlertChannelsError,
    alert_id_for,
    apprise_notifier,
    deliver_alerts,
    enqueue_alerts,
    list_alerts,
    mask_url,
    match_rule,
    scrub,
    send_test,
)
from flows.config import AlertRule, AlertSettings
from tests.webhook import WebhookReceiver, webhook_fixture  # noqa: F401 (fixture `webhook`)
from warehouse.db import connect

NOW = datetime(2026, 11, 27, 6, 0, 0)
FAST = "?cto=2&rto=2"  # short apprise timeouts: a hung test fails fast


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def use_channels(monkeypatch: pytest.MonkeyPatch, *urls: str) -> None:
    monkeypatch.setenv("REEWATCH_ALERT_URLS", " ".join(urls))


def add_event(
    con: duckdb.DuckDBPyConnection,
    event_id: str,
    *,
    type: str = "agreement",
    actors: tuple[str, ...] = ("US", "AU"),
    commodities: tuple[str, ...] = ("rare earths",),
    amount: float | None = 8.5e9,
    currency: str | None = "USD",
    summary: str | None = None,
    sources: int = 2,
) -> dict[str, Any]:
    """Insert an event with `sources` articles mentioning it; return it as a row dict."""
    con.execute(
        "INSERT INTO events (event_id, type, date, date_precision, date_start, actors, commodities,"
        " amount, currency, summary, first_seen, last_seen, first_run_id, source_count)"
        " VALUES (?, ?, '2026-10-20', 'day', DATE '2026-10-20', ?, ?, ?, ?, ?, ?, ?, 'run-1', ?)",
        [
            event_id,
            type,
            list(actors),
            list(commodities),
            amount,
            currency,
            summary or f"Framework on critical minerals ({event_id})",
            NOW,
            NOW,
            sources,
        ],
    )
    for i in range(sources):
        url = f"https://news.example.org/{event_id}/{i}"
        article_id = article_id_for(url)
        con.execute(
            "INSERT INTO articles (article_id, url, title, site, extraction, published)"
            " VALUES (?, ?, ?, ?, 'page', ?)",
            [article_id, url, f"Report {i} on {event_id}", f"outlet{i}.example.org", NOW],
        )
        con.execute(
            "INSERT INTO event_mentions (mention_id, event_id, article_id, type, nlp_version, created_at)"
            " VALUES (?, ?, ?, ?, 'test', ?)",
            [f"{event_id}-m{i}", event_id, article_id, type, NOW],
        )
    cur = con.execute("SELECT * FROM events WHERE event_id = ?", [event_id])
    names = [d[0] for d in cur.description or []]
    row = cur.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    return {a["alert_id"]: a for a in list_alerts(con)}


# --- rules -----------------------------------------------------------------

EVENT = {
    "event_id": "e1",
    "type": "agreement",
    "actors": ["US", "AU", "Lynas Rare Earths"],
    "commodities": ["rare earths", "lithium"],
    "amount": 8.5e9,
    "currency": "USD",
}


@pytest.mark.parametrize(
    ("rule", "event", "expected"),
    [
        (AlertRule(), {}, True),
        (AlertRule(), {"type": "export_control"}, False),
        (AlertRule(types=[]), {"type": "export_control"}, True),
        (AlertRule(types=["agreement", "investment"]), {"type": "investment"}, True),
        (AlertRule(countries=["au"]), {}, True),
        (AlertRule(countries=["CN"]), {}, False),
        (AlertRule(countries=["CN", "US"]), {}, True),
        (AlertRule(companies=["lynas rare earths"]), {}, True),
        (AlertRule(companies=["Lynas"]), {}, False),  # names compare whole, not by prefix
        (AlertRule(companies=["US"]), {}, False),  # a country code is not a company
        (AlertRule(commodities=["Lithium"]), {}, True),
        (AlertRule(commodities=["cobalt"]), {}, False),
        (AlertRule(min_amount=1e9), {}, True),
        (AlertRule(min_amount=8.5e9), {}, True),
        (AlertRule(min_amount=1e10), {}, False),
        (AlertRule(min_amount=1.0), {"amount": None}, False),
        (AlertRule(countries=["US"], commodities=["cobalt"]), {}, False),  # AND across fields
        (AlertRule(types=[], countries=["CN"]), {"actors": []}, False),
    ],
)
def test_match_rule(rule: AlertRule, event: dict[str, Any], expected: bool) -> None:
    assert match_rule(rule, {**EVENT, **event}) is expected


def test_invalid_rules_are_rejected(con: duckdb.DuckDBPyConnection) -> None:
    event = add_event(con, "e1")
    with pytest.raises(AlertRuleError, match="unknown event type"):
        enqueue_alerts(con, [event], [AlertRule(types=["agreements"])], "run-1", NOW)
    with pytest.raises(AlertRuleError, match="mode"):
        enqueue_alerts(con, [event], [AlertRule(mode="weekly")], "run-1", NOW)
    with pytest.raises(AlertRuleError, match="unique"):
        enqueue_alerts(con, [event], [AlertRule(), AlertRule()], "run-1", NOW)


# --- delivery --------------------------------------------------------------


def test_one_agreement_is_posted_once(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings()
    event = add_event(con, "e1")
    assert enqueue_alerts(con, [event], settings.rules, "run-1", NOW) == 1

    report = deliver_alerts(con, settings, NOW)

    assert (report.sent, report.failed, report.pending, report.errors) == (1, 0, 0, [])
    assert len(webhook.requests) == 1
    post = webhook.requests[0]
    alert_id = alert_id_for("e1", "agreements")
    assert post.headers["Idempotency-Key"] == alert_id
    assert set(post.body) >= {"version", "title", "message", "type"}
    assert "agreement" in post.body["title"] and "US, AU" in post.body["title"]
    message = post.body["message"]
    for expected in (
        "Framework on critical minerals (e1)",
        "Type: agreement",
        "Between: US, AU",
        "When: 2026-10-20 (day)",
        "Commodities: rare earths",
        "Amount: $8.5 billion",
        "[Report 0 on e1](https://news.example.org/e1/0) (outlet0.example.org)",
        f"reewatch-alert-id: {alert_id}",
    ):
        assert expected in message
    row = rows(con)[alert_id]
    assert (row["status"], row["attempts"], row["sent_at"], row["last_error"]) == (
        "sent",
        1,
        NOW,
        None,
    )

    # A rerun, even after re-enqueueing the same event, sends nothing.
    assert enqueue_alerts(con, [event], settings.rules, "run-2", NOW) == 0
    report = deliver_alerts(con, settings, NOW + timedelta(days=1))
    assert (report.sent, report.pending) == (0, 0)
    assert len(webhook.requests) == 1


def test_two_agreements_two_posts(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings()
    events = [add_event(con, "e1"), add_event(con, "e2", actors=("JP", "Lynas"))]
    assert enqueue_alerts(con, events, settings.rules, "run-1", NOW) == 2
    assert deliver_alerts(con, settings, NOW).sent == 2
    keys = sorted(r.headers["Idempotency-Key"] for r in webhook.requests)
    assert keys == sorted(alert_id_for(e, "agreements") for e in ("e1", "e2"))


def test_receiver_down_then_back(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings()
    enqueue_alerts(con, [add_event(con, "e1")], settings.rules, "run-1", NOW)
    webhook.stop()

    report = deliver_alerts(con, settings, NOW)

    assert (report.sent, report.failed, report.pending) == (0, 0, 1)
    row = rows(con)[alert_id_for("e1", "agreements")]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["next_attempt_at"] == NOW + timedelta(minutes=settings.backoff_minutes)
    assert "attempt 1/8: json://***: A Connection error occurred" in row["last_error"]
    assert report.errors and "Connection error" in report.errors[0]

    webhook.start()
    assert deliver_alerts(con, settings, NOW + timedelta(minutes=1)).sent == 0  # not due yet
    assert webhook.requests == []
    assert deliver_alerts(con, settings, NOW + timedelta(minutes=6)).sent == 1
    assert deliver_alerts(con, settings, NOW + timedelta(days=1)).sent == 0
    assert len(webhook.requests) == 1
    row = rows(con)[alert_id_for("e1", "agreements")]
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_backoff_doubles_then_fails(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings(max_attempts=3, backoff_minutes=10)
    enqueue_alerts(con, [add_event(con, "e1")], settings.rules, "run-1", NOW)
    alert_id = alert_id_for("e1", "agreements")
    webhook.status = 500

    deliver_alerts(con, settings, NOW)
    assert rows(con)[alert_id]["next_attempt_at"] == NOW + timedelta(minutes=10)
    assert "error=500" in rows(con)[alert_id]["last_error"]
    deliver_alerts(con, settings, NOW + timedelta(minutes=10))
    assert rows(con)[alert_id]["next_attempt_at"] == NOW + timedelta(minutes=30)
    report = deliver_alerts(con, settings, NOW + timedelta(minutes=30))

    assert (report.sent, report.failed, report.pending) == (0, 1, 0)
    row = rows(con)[alert_id]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 3, None)
    assert row["last_error"].startswith("attempt 3/3: json://***:")
    webhook.status = 200
    assert deliver_alerts(con, settings, NOW + timedelta(days=9)).sent == 0
    assert len(webhook.requests) == 3 and webhook.delivered == []


def test_export_control_needs_its_own_rule(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    event = add_event(con, "e1", type="export_control", actors=("CN",), amount=None, currency=None)
    assert enqueue_alerts(con, [event], AlertSettings().rules, "run-1", NOW) == 0
    rule = AlertRule(name="controls", types=["export_control"])
    assert enqueue_alerts(con, [event], [rule], "run-1", NOW) == 1
    assert deliver_alerts(con, AlertSettings(rules=[rule]), NOW).sent == 1
    assert len(webhook.requests) == 1
    assert "Amount" not in webhook.requests[0].body["message"]


def test_digest_is_one_post(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    rule = AlertRule(name="daily", types=[], mode="digest")
    settings = AlertSettings(rules=[rule])
    kinds = ("agreement", "investment", "stockpile")
    events = [add_event(con, f"e{i}", type=kind) for i, kind in enumerate(kinds)]
    assert enqueue_alerts(con, events, settings.rules, "run-1", NOW) == 3

    report = deliver_alerts(con, settings, NOW)

    assert report.sent == 3
    assert len(webhook.requests) == 1
    post = webhook.requests[0]
    assert "3 new event(s)" in post.body["title"]
    for i in range(3):
        assert f"reewatch-alert-id: {alert_id_for(f'e{i}', 'daily')}" in post.body["message"]
    assert {r["status"] for r in list_alerts(con)} == {"sent"}
    assert deliver_alerts(con, settings, NOW + timedelta(hours=1)).sent == 0
    assert len(webhook.requests) == 1


def test_secrets_never_stored_or_logged(
    con: duckdb.DuckDBPyConnection,
    webhook: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = webhook.url(user="reewatch", password="S3CRETpass") + FAST
    use_channels(monkeypatch, url)
    settings = AlertSettings()
    enqueue_alerts(con, [add_event(con, "e1")], settings.rules, "run-1", NOW)

    def table() -> str:
        return str(con.execute("SELECT * FROM alerts").fetchall())

    webhook.status = 500
    first = deliver_alerts(con, settings, NOW)
    after_500 = table()
    webhook.stop()
    second = deliver_alerts(con, settings, NOW + timedelta(hours=1))
    after_down = table()
    webhook.start()
    webhook.status = 200
    third = deliver_alerts(con, settings, NOW + timedelta(days=1))
    tested = send_test(settings)

    assert third.sent == 1 and tested[0].ok
    assert webhook.requests[-1].headers["Authorization"].startswith("Basic ")  # it was used
    assert "error=500" in after_500 and "Connection error" in after_down
    reported = str([first, second, third, tested])
    for text in (after_500, after_down, table(), reported, caplog.text):
        assert "S3CRETpass" not in text


def test_killed_run_is_not_resent(
    con: duckdb.DuckDBPyConnection,
    webhook: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The process dies after the POST but before recording it: at-most-once by default."""
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings()
    enqueue_alerts(con, [add_event(con, "e1"), add_event(con, "e2")], settings.rules, "run-1", NOW)

    class Killed(BaseException):
        """Stands in for SIGKILL: nothing after the send runs."""

    real = apprise_notifier(settings.urls())

    def dies_after_sending(message: AlertMessage) -> list[ChannelResult]:
        real(message)
        raise Killed

    with pytest.raises(Killed):
        deliver_alerts(con, settings, NOW, notifier=dies_after_sending)
    con.close()
    assert len(webhook.requests) == 1
    sent_key = webhook.requests[0].headers["Idempotency-Key"]

    reopened = connect(tmp_path / "warehouse.duckdb")
    try:
        assert {a["status"] for a in list_alerts(reopened)} == {"sending", "pending"}
        report = deliver_alerts(reopened, settings, NOW + timedelta(minutes=1))
        assert (report.sent, report.unconfirmed, report.pending) == (1, 1, 0)
        assert "not resent" in report.errors[0]
        keys = [r.headers["Idempotency-Key"] for r in webhook.requests]
        assert len(keys) == 2 and keys.count(sent_key) == 1
        unconfirmed = list_alerts(reopened, "sent_unconfirmed")
        assert [a["alert_id"] for a in unconfirmed] == [sent_key]
        assert "outcome unknown" in unconfirmed[0]["last_error"]
    finally:
        reopened.close()


def test_resend_unknown_is_at_least_once_with_the_same_key(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings()
    enqueue_alerts(con, [add_event(con, "e1")], settings.rules, "run-1", NOW)
    alert_id = alert_id_for("e1", "agreements")
    webhook.requests.clear()
    # What a killed run leaves behind after its POST went out.
    apprise_notifier(settings.urls())(AlertMessage(alert_id, "t", "b"))
    con.execute("UPDATE alerts SET status = 'sending', attempts = 1")

    report = deliver_alerts(con, settings, NOW, resend_unknown=True)

    assert (report.sent, report.unconfirmed) == (1, 0)
    keys = [r.headers["Idempotency-Key"] for r in webhook.requests]
    assert keys == [alert_id, alert_id]  # a receiver deduping on the key shows it once


def test_partial_channel_failure_counts_as_sent(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = WebhookReceiver()
    down.start()
    down.stop()  # a port that refuses connections
    use_channels(monkeypatch, webhook.url() + FAST, down.url() + FAST)
    settings = AlertSettings()
    enqueue_alerts(con, [add_event(con, "e1")], settings.rules, "run-1", NOW)

    report = deliver_alerts(con, settings, NOW)

    assert (report.sent, report.pending) == (1, 0)
    row = rows(con)[alert_id_for("e1", "agreements")]
    assert row["status"] == "sent"
    assert row["last_error"].startswith("not delivered to json://***: A Connection error")


def test_no_channels_keeps_alerts_pending(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REEWATCH_ALERT_URLS", raising=False)
    settings = AlertSettings()
    enqueue_alerts(con, [add_event(con, "e1")], settings.rules, "run-1", NOW)
    report = deliver_alerts(con, settings, NOW)
    assert (report.sent, report.pending) == (0, 1)
    assert "REEWATCH_ALERT_URLS" in report.errors[0]
    assert rows(con)[alert_id_for("e1", "agreements")]["attempts"] == 0
    with pytest.raises(NoAlertChannelsError):
        send_test(settings)


def test_send_test_reports_each_channel(
    webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = WebhookReceiver()
    down.start()
    down.stop()
    use_channels(monkeypatch, webhook.url() + FAST, down.url() + FAST, "nosuchscheme://x/y")
    results = send_test(AlertSettings())
    assert [(r.channel, r.ok) for r in results] == [
        ("json://***", True),
        ("json://***", False),
        ("nosuchscheme://***", False),
    ]
    assert results[0].error is None
    assert results[1].error and "Connection error" in results[1].error
    assert results[2].error and "not a valid apprise URL" in results[2].error
    assert webhook.requests[0].body["title"] == "reewatch: test alert"


def test_list_alerts_filters_and_joins(
    con: duckdb.DuckDBPyConnection, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_channels(monkeypatch, webhook.url() + FAST)
    settings = AlertSettings()
    enqueue_alerts(
        con, [add_event(con, "e1", summary="US and AU sign a deal")], settings.rules, "r", NOW
    )
    [alert] = list_alerts(con, "pending")
    assert (alert["summary"], alert["type"], alert["rule"]) == (
        "US and AU sign a deal",
        "agreement",
        "agreements",
    )
    deliver_alerts(con, settings, NOW)
    assert list_alerts(con, "pending") == []
    assert len(list_alerts(con, "sent")) == 1
    with pytest.raises(ValueError, match="unknown alert status"):
        list_alerts(con, "done")


def test_mask_url() -> None:
    assert mask_url("json://user:pw@host:1/path?x=1") == "json://***"
    assert mask_url("not a url") == "url://***"


def test_scrub_removes_every_part_of_the_url() -> None:
    url = "json://bot:pw-9f3@hooks.example.org/api/TOKEN123?+X-Api-Key=VAL999"
    text = scrub(
        "POST http://hooks.example.org/api/TOKEN123 as bot:pw-9f3 with header VAL999 failed", [url]
    )
    for secret in ("hooks.example.org", "TOKEN123", "pw-9f3", "VAL999"):
        assert secret not in text
    assert text.endswith("failed")
