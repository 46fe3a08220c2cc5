"""Alert delivery: rules pick new events, an outbox in DuckDB sends each alert once.

Why an outbox: the daily run can be killed at any point, and a channel can be
down for hours. `enqueue_alerts` writes one `alerts` row per (event, rule) with a
deterministic id, in the caller's transaction, so events and their alerts commit
together and re-running never duplicates a row. `deliver_alerts` later sends the
due rows through apprise and records the outcome.

Delivery semantics (read this before changing the protocol):

- Exactly once, in the database: one outbox row per (event, rule), ever
  (alert_id = sha1(event_id + "|" + rule)[:16], INSERT OR IGNORE).
- Exactly once, on the channel, when nothing crashes: a row is marked `sent`
  only after apprise reported success, and `sent` rows are never selected again.
- A channel that fails (error status, refused connection, timeout) is retried
  on later runs: the row goes back to `pending` with `last_error` and
  `next_attempt_at = now + backoff_minutes * 2**(attempts - 1)`, and becomes
  `failed` once `attempts >= max_attempts`. A failure that still reached the
  receiver (e.g. a timeout after the receiver got the request) can therefore
  produce a duplicate: retries are at-least-once by nature.
- At most once across a crash: before sending, the rows are marked `sending`
  (attempts + 1) and committed. A row still `sending` when a later delivery
  starts means a run died between send and record; we cannot know whether the
  message went out. By default such rows become `sent_unconfirmed` and are NOT
  resent (at-most-once: no duplicate spam, at the price of a possibly lost
  alert, which `list_alerts(con, "sent_unconfirmed")` shows).
  `resend_unknown=True` chooses at-least-once instead.
- Receivers can make it exactly-once themselves: every message carries a stable
  idempotency key. The body ends with `reewatch-alert-id: <id>` (one line per
  alert in a digest) and generic webhooks (json://, form://, xml://) also get an
  `Idempotency-Key: <key>` HTTP header (alert_id, or a hash of the digest's
  alert ids). A receiver that drops keys it has seen never shows a duplicate.
- With several channels, a message counts as sent when at least one channel
  accepted it; the channels that failed are named in `last_error` and in the
  report but are not retried (retrying would duplicate on the healthy ones).

Channel URLs hold tokens: they are never stored or logged. Channels appear as
`scheme://***`, and apprise's error text is scrubbed of every part of the URL.
Apprise timeouts are set per URL (`?cto=` connect, `?rto=` read, seconds).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import duckdb

from extractors.summary import money
from extractors.types import EVENT_TYPES
from flows.config import AlertRule, AlertSettings
from flows.failpoints import failpoint

log = logging.getLogger("reewatch.alerts")

STATUSES = ("pending", "sending", "sent", "sent_unconfirmed", "failed")
MODES = ("each", "digest")
DIGEST_MAX_EVENTS = 50  # events per digest message; more go into further messages
SOURCES_PER_EVENT = 5  # source links listed per event
ERROR_MAX_CHARS = 1000
# Apprise schemes of generic webhooks, where an HTTP header can carry the idempotency key.
WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
UNKNOWN_OUTCOME = (
    "outcome unknown: a delivery run stopped between sending and recording; "
    "not resent (at-most-once)"
)


class AlertError(Exception):
    """Base class of alert errors."""


class AlertRuleError(AlertError, ValueError):
    """An alert rule in the configuration is invalid."""


class NoAlertChannelsError(AlertError):
    """No alert channel is configured."""

    def __init__(self) -> None:
        super().__init__(
            "no alert channel configured: set REEWATCH_ALERT_URLS to one or more apprise "
            "URLs separated by spaces, e.g. 'json://hooks.example.org/reewatch'"
        )


@dataclass(frozen=True)
class AlertMessage:
    """What one send carries; `key` is the idempotency key receivers can dedupe on."""

    key: str
    title: str
    body: str


class ChannelResult(NamedTuple):
    """The verdict of one channel: masked URL, success, scrubbed error text."""

    channel: str
    ok: bool
    error: str | None


Notifier = Callable[[AlertMessage], list[ChannelResult]]


@dataclass
class DeliveryReport:
    """Counts of one delivery run.

    sent / failed / unconfirmed count alerts whose status changed in this run;
    pending counts all alerts still waiting in the outbox afterwards.
    """

    sent: int = 0
    failed: int = 0
    pending: int = 0
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)


# --- rules -----------------------------------------------------------------


def _is_country(actor: str) -> bool:
    """Countries are ISO 3166-1 alpha-2 codes everywhere; everything else is a company."""
    return len(actor) == 2 and actor.isalpha() and actor.isupper()


def match_rule(rule: AlertRule, event: dict[str, Any]) -> bool:
    """True when the event passes every non-empty criterion of the rule.

    Within one criterion any listed value is enough; an empty list means any.
    Companies and commodities compare case-insensitively; a `min_amount` rule
    never matches an event without an amount (currency is not converted).
    """
    if rule.types and event.get("type") not in rule.types:
        return False
    actors = [str(a) for a in event.get("actors") or []]
    if rule.countries:
        wanted = {c.upper() for c in rule.countries}
        if not any(_is_country(a) and a in wanted for a in actors):
            return False
    if rule.companies:
        wanted = {c.casefold() for c in rule.companies}
        if not any(not _is_country(a) and a.casefold() in wanted for a in actors):
            return False
    if rule.commodities:
        wanted = {c.casefold() for c in rule.commodities}
        if not any(str(c).casefold() in wanted for c in event.get("commodities") or []):
            return False
    if rule.min_amount is not None:
        amount = event.get("amount")
        if amount is None or amount < rule.min_amount:
            return False
    return True


def validate_rules(rules: Sequence[AlertRule]) -> None:
    """Catch configuration typos early: an unknown type would silently never alert."""
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise AlertRuleError(
                f"two alert rules are named {rule.name!r}; rule names must be unique"
            )
        seen.add(rule.name)
        if rule.mode not in MODES:
            raise AlertRuleError(
                f"alert rule {rule.name!r}: mode {rule.mode!r} is not one of {MODES}"
            )
        unknown = sorted(set(rule.types) - set(EVENT_TYPES))
        if unknown:
            raise AlertRuleError(
                f"alert rule {rule.name!r}: unknown event type(s) {unknown}; known: {', '.join(EVENT_TYPES)}"
            )


# --- outbox ----------------------------------------------------------------


def alert_id_for(event_id: str, rule_name: str) -> str:
    """Deterministic outbox key, so re-enqueueing an event is a no-op."""
    return hashlib.sha1(f"{event_id}|{rule_name}".encode()).hexdigest()[:16]


def _utc_naive(now: datetime) -> datetime:
    """The warehouse stores naive UTC timestamps."""
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def enqueue_alerts(
    con: duckdb.DuckDBPyConnection,
    events: list[dict[str, Any]],
    rules: list[AlertRule],
    run_id: str | None,
    now: datetime,
) -> int:
    """Add one pending alert per (event, matching rule); return how many are new.

    Runs in the caller's transaction (no commit here) so that events and their
    alerts land together.
    """
    validate_rules(rules)
    now = _utc_naive(now)
    rows: dict[str, tuple[Any, ...]] = {}
    for event in events:
        for rule in rules:
            if match_rule(rule, event):
                alert_id = alert_id_for(event["event_id"], rule.name)
                rows[alert_id] = (alert_id, event["event_id"], rule.name, rule.mode, now, run_id)
    if not rows:
        return 0
    existing = {
        r[0]
        for r in con.execute(
            "SELECT alert_id FROM alerts WHERE list_contains(?, alert_id)", [list(rows)]
        ).fetchall()
    }
    new = [row for alert_id, row in rows.items() if alert_id not in existing]
    if new:
        con.executemany(
            "INSERT OR IGNORE INTO alerts (alert_id, event_id, rule, mode, status, attempts, created_at, run_id)"
            " VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
            new,
        )
    return len(new)


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def list_alerts(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[dict[str, Any]]:
    """Alerts newest first, with the event they are about (for `reewatch alerts`)."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown alert status {status!r}; known: {', '.join(STATUSES)}")
    sql = (
        "SELECT a.alert_id, a.event_id, a.rule, a.mode, a.status, a.attempts, a.last_error,"
        " a.created_at, a.next_attempt_at, a.sent_at, a.run_id,"
        " e.type, e.date, e.date_precision, e.summary"
        " FROM alerts a LEFT JOIN events e ON e.event_id = a.event_id"
    )
    params: list[Any] = []
    if status is not None:
        sql += " WHERE a.status = ?"
        params.append(status)
    sql += " ORDER BY a.created_at DESC, a.alert_id"
    return _dicts(con.execute(sql, params))


# --- secrets ---------------------------------------------------------------


def mask_url(url: str) -> str:
    """How a channel is named anywhere outside the environment: scheme only."""
    scheme = url.split("://", 1)[0] if "://" in url else "url"
    return f"{scheme}://***"


def _url_secrets(url: str) -> list[str]:
    """Every part of a URL that may be a token, longest first (for scrubbing)."""
    try:
        parts = urlsplit(url)
        host, user, password = parts.hostname, parts.username, parts.password
    except ValueError:
        return [url]
    pieces = {url, url.split("?", 1)[0], parts.netloc, parts.path, host or "", user or ""}
    pieces.update(parts.path.split("/"))
    for pair in parts.query.split("&"):
        pieces.update(pair.split("=", 1))
    found = {p for p in pieces if len(p) >= 4}
    if password:
        found.add(password)
    found |= {unquote(p) for p in found}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, urls: Sequence[str]) -> str:
    """Remove anything from `text` that came out of a channel URL."""
    for url in urls:
        for secret in _url_secrets(url):
            text = text.replace(secret, "***")
    return text


# --- sending ---------------------------------------------------------------


def _with_idempotency_header(url: str, key: str) -> str:
    """Generic webhooks get the key as an HTTP header (apprise's `+Header=value`)."""
    if url.split("://", 1)[0].lower() not in WEBHOOK_SCHEMES:
        return url
    return f"{url}{'&' if '?' in url else '?'}+Idempotency-Key={key}"


def send_to_channel(url: str, message: AlertMessage) -> ChannelResult:
    """Send through one apprise object, so this channel gets its own verdict and error text."""
    import apprise  # deferred: read-only commands never pay for it

    channel = mask_url(url)
    app = apprise.Apprise()
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            if not app.add(_with_idempotency_header(url, message.key)):
                return ChannelResult(
                    channel, False, "not a valid apprise URL: check its scheme and parts"
                )
            ok = bool(
                app.notify(
                    body=message.body,
                    title=message.title,
                    body_format=apprise.NotifyFormat.MARKDOWN,
                )
            )
            logged = captured.getvalue()
    except Exception as exc:  # a plugin bug must not stop the other channels
        return ChannelResult(channel, False, scrub(f"{type(exc).__name__}: {exc}", [url]))
    if ok:
        return ChannelResult(channel, True, None)
    lines = [line.strip() for line in logged.splitlines() if line.strip()]
    error = " / ".join(lines) or "the channel did not accept the message (apprise gave no detail)"
    return ChannelResult(channel, False, scrub(error, [url])[:ERROR_MAX_CHARS])


def apprise_notifier(urls: Sequence[str]) -> Notifier:
    """The default notifier: every URL separately, in order."""
    urls = list(urls)

    def notify(message: AlertMessage) -> list[ChannelResult]:
        return [send_to_channel(url, message) for url in urls]

    return notify


def send_test(settings: AlertSettings) -> list[ChannelResult]:
    """Send a test message to every configured channel and say which worked."""
    urls = settings.urls()
    if not urls:
        raise NoAlertChannelsError()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = AlertMessage(
        key=f"test-{hashlib.sha1(stamp.encode()).hexdigest()[:12]}",
        title="reewatch: test alert",
        body=f"This is a test message from reewatch, sent {stamp}. Alerts will arrive like this.",
    )
    return apprise_notifier(urls)(message)


# --- messages --------------------------------------------------------------


def _sources(
    con: duckdb.DuckDBPyConnection, event_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    rows = _dicts(
        con.execute(
            "SELECT DISTINCT m.event_id, a.url, a.title, a.site, a.published, a.evidence"
            " FROM event_mentions m JOIN articles a ON a.article_id = m.article_id"
            " WHERE list_contains(?, m.event_id)"
            " ORDER BY a.published NULLS LAST, a.url",
            [event_ids],
        )
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["event_id"], []).append(row)
    return out


def _headline(alert: dict[str, Any]) -> str:
    kind = str(alert.get("type") or "event").replace("_", " ")
    actors = ", ".join((alert.get("actors") or [])[:4])
    return f"{kind}: {actors}" if actors else kind


# A headline-only or feed-text event is weaker evidence; the message says so.
EVIDENCE_LINE = {"feed_text": "the feed's own text (the publisher's page was not readable)",
                 "headline": "a headline only (no article text)"}
EVIDENCE_NOTE = {"feed_text": " - feed text", "headline": " - headline only"}


def _event_lines(alert: dict[str, Any], sources: list[dict[str, Any]]) -> list[str]:
    """What happened, between whom, when, what, how much, and where it was reported."""
    summary = alert.get("summary") or _headline(alert)
    lines = [f"**{summary}**", ""]
    lines.append(f"- Type: {alert.get('type') or 'unknown'}")
    if alert.get("actors"):
        lines.append(f"- Between: {', '.join(alert['actors'])}")
    if alert.get("date"):
        precision = f" ({alert['date_precision']})" if alert.get("date_precision") else ""
        lines.append(f"- When: {alert['date']}{precision}")
    if alert.get("commodities"):
        lines.append(f"- Commodities: {', '.join(alert['commodities'])}")
    if alert.get("amount") is not None:
        lines.append(f"- Amount: {money(alert['amount'], alert.get('currency'))}")
    if alert.get("evidence") and alert["evidence"] != "page":
        lines.append(f"- Evidence: {EVIDENCE_LINE[alert['evidence']]}")
    if sources:
        lines.append(f"- Sources ({len(sources)}):")
        for src in sources[:SOURCES_PER_EVENT]:
            title = (src.get("title") or src["url"]).replace("[", "(").replace("]", ")")
            site = f" ({src['site']})" if src.get("site") else ""
            basis = EVIDENCE_NOTE.get(src.get("evidence") or "page", "")
            lines.append(f"  - [{title}]({src['url']}){site}{basis}")
        if len(sources) > SOURCES_PER_EVENT:
            lines.append(f"  - and {len(sources) - SOURCES_PER_EVENT} more")
    lines.append(f"- Rule: {alert['rule']}")
    lines.append(f"\nreewatch-alert-id: {alert['alert_id']}")
    return lines


def build_message(con: duckdb.DuckDBPyConnection, alerts: list[dict[str, Any]]) -> AlertMessage:
    """One message for one alert ("each") or for several alerts of one rule ("digest")."""
    sources = _sources(con, [a["event_id"] for a in alerts])
    if len(alerts) == 1 and alerts[0]["mode"] == "each":
        alert = alerts[0]
        body = "\n".join(_event_lines(alert, sources.get(alert["event_id"], [])))
        return AlertMessage(alert["alert_id"], f"reewatch: new {_headline(alert)}", body)
    ids = sorted(a["alert_id"] for a in alerts)
    key = hashlib.sha1("|".join(ids).encode()).hexdigest()[:16]
    rule = alerts[0]["rule"]
    parts = [f"{len(alerts)} new event(s) for rule {rule}."]
    for i, alert in enumerate(alerts, 1):
        parts.append(f"\n### {i}. {_headline(alert)}\n")
        parts.extend(_event_lines(alert, sources.get(alert["event_id"], [])))
    parts.append(f"\nreewatch-digest-id: {key}")
    return AlertMessage(
        key, f"reewatch digest ({rule}): {len(alerts)} new event(s)", "\n".join(parts)
    )


# --- delivery --------------------------------------------------------------


def _due(con: duckdb.DuckDBPyConnection, now: datetime) -> list[dict[str, Any]]:
    return _dicts(
        con.execute(
            "SELECT a.alert_id, a.event_id, a.rule, a.mode, a.attempts,"
            " e.type, e.date, e.date_precision, e.actors, e.commodities, e.amount, e.currency, e.summary, e.evidence"
            " FROM alerts a LEFT JOIN events e ON e.event_id = a.event_id"
            " WHERE a.status = 'pending' AND (a.next_attempt_at IS NULL OR a.next_attempt_at <= ?)"
            " ORDER BY a.created_at, a.alert_id",
            [now],
        )
    )


def _batches(due: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One batch per "each" alert; "digest" alerts grouped by rule, in chunks."""
    batches: list[list[dict[str, Any]]] = []
    digests: dict[str, list[dict[str, Any]]] = {}
    for alert in due:
        if alert["mode"] == "digest":
            if alert["rule"] not in digests:
                digests[alert["rule"]] = []
                batches.append(digests[alert["rule"]])
            digests[alert["rule"]].append(alert)
        else:
            batches.append([alert])
    return [
        b[i : i + DIGEST_MAX_EVENTS] for b in batches for i in range(0, len(b), DIGEST_MAX_EVENTS)
    ]


def _transaction(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]
) -> list[tuple[Any, ...]]:
    """Run one statement in its own committed transaction; the outbox protocol needs the commit.

    Returns the statement's rows (RETURNING rows, or DuckDB's row count).
    """
    con.begin()
    try:
        rows = con.execute(sql, params).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return rows


def _recover_sending(con: duckdb.DuckDBPyConnection, resend_unknown: bool) -> int:
    """Rows left in 'sending' by a run that died mid-send: at-most-once by default."""
    if resend_unknown:
        sql = (
            "UPDATE alerts SET status = 'pending', next_attempt_at = NULL, last_error = ?"
            " WHERE status = 'sending' RETURNING alert_id"
        )
        note = "a delivery run stopped mid-send; resending (at-least-once)"
    else:
        sql = "UPDATE alerts SET status = 'sent_unconfirmed', last_error = ? WHERE status = 'sending' RETURNING alert_id"
        note = UNKNOWN_OUTCOME
    return len(_transaction(con, sql, [note]))


def _record(
    con: duckdb.DuckDBPyConnection,
    claimed: list[tuple[str, int]],
    results: list[ChannelResult],
    settings: AlertSettings,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """Store the outcome of one send: sent, retry later, or give up."""
    failures = "; ".join(f"{r.channel}: {r.error}" for r in results if not r.ok)[:ERROR_MAX_CHARS]
    ids = [alert_id for alert_id, _ in claimed]
    if any(r.ok for r in results):
        _transaction(
            con,
            "UPDATE alerts SET status = 'sent', sent_at = ?, next_attempt_at = NULL, last_error = ?"
            " WHERE list_contains(?, alert_id)",
            [now, f"not delivered to {failures}" if failures else None, ids],
        )
        report.sent += len(ids)
        if failures:
            report.errors.append(f"alert(s) {', '.join(ids)} sent, but not to {failures}")
        return
    con.begin()
    try:
        for alert_id, attempts in claimed:
            error = f"attempt {attempts}/{settings.max_attempts}: {failures or 'no channel accepted it'}"
            if attempts >= settings.max_attempts:
                con.execute(
                    "UPDATE alerts SET status = 'failed', last_error = ?, next_attempt_at = NULL WHERE alert_id = ?",
                    [error, alert_id],
                )
                report.failed += 1
            else:
                delay = timedelta(minutes=settings.backoff_minutes * 2 ** (attempts - 1))
                con.execute(
                    "UPDATE alerts SET status = 'pending', last_error = ?, next_attempt_at = ? WHERE alert_id = ?",
                    [error, now + delay, alert_id],
                )
            report.errors.append(f"alert {alert_id}: {error}")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    log.warning("alert delivery failed for %s: %s", ", ".join(ids), failures)


def deliver_alerts(
    con: duckdb.DuckDBPyConnection,
    settings: AlertSettings,
    now: datetime,
    *,
    notifier: Notifier | None = None,
    resend_unknown: bool = False,
) -> DeliveryReport:
    """Send every due pending alert once, following the outbox protocol in the module docstring.

    Commits its own transactions, so call it outside one. `notifier` replaces
    apprise (it receives an AlertMessage, returns one ChannelResult per channel).
    """
    now = _utc_naive(now)
    report = DeliveryReport()
    recovered = _recover_sending(con, resend_unknown)
    if recovered:
        if resend_unknown:
            note = f"{recovered} alert(s) were mid-send when a run stopped: sending again"
        else:
            report.unconfirmed = recovered
            note = f"{recovered} alert(s) were mid-send when a run stopped: marked sent_unconfirmed, not resent"
        report.errors.append(note)
        log.warning(note)
    urls = settings.urls()
    if notifier is None:
        if not urls:
            report.errors.append(str(NoAlertChannelsError()))
        else:
            notifier = apprise_notifier(urls)
    if notifier is not None:
        for batch in _batches(_due(con, now)):
            message = build_message(con, batch)
            claimed = _transaction(
                con,
                "UPDATE alerts SET status = 'sending', attempts = attempts + 1"
                " WHERE list_contains(?, alert_id) AND status = 'pending' RETURNING alert_id, attempts",
                [[a["alert_id"] for a in batch]],
            )
            if not claimed:
                continue
            failpoint("alerts.before_send")
            try:
                results = notifier(message)
            except Exception as exc:  # a failed attempt, recorded like any other
                results = [
                    ChannelResult("notifier", False, scrub(f"{type(exc).__name__}: {exc}", urls))
                ]
            failpoint("alerts.after_send")
            _record(con, [(str(a), int(n)) for a, n in claimed], results, settings, now, report)
    row = con.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()
    report.pending = int(row[0]) if row else 0
    return report
