"""The HTML report: one self-contained page an analyst can mail or open offline.

Why one file with inline CSS, SVG and a few lines of JS: reports travel as
attachments and are opened on locked-down machines, so the page must load
nothing from the network (no CDN, no fonts, no images). Charts are SVG drawn
here in Python; the JS only filters rows. Filters are mirrored in the URL
fragment (#type=agreement&country=CN&q=lynas), so a filtered view can be linked
and tests can check the filters in a headless browser.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from extractors.types import EVENT_TYPES
from flows import render

Event = Mapping[str, Any]

TYPE_COLORS: dict[str, str] = {
    "export_control": "#c0392b", "export_control_easing": "#e59866", "agreement": "#2471a3",
    "investment": "#229954", "trade_measure": "#8e44ad", "production_quota": "#b7950b",
    "stockpile": "#5d6d7e", "talks": "#17a589", "industrial_policy": "#a04000",
}  # fmt: skip
OTHER_COLOR = "#999999"
MAX_CHART_COUNTRIES = 12

_CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c2833;background:#f4f6f7}
header{background:#1b2631;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#d5d8dc}
main{max-width:1180px;margin:0 auto;padding:16px 24px 40px}
.cards{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.card{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card h2{font-size:15px;margin:0 0 8px}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;margin-top:6px}
.legend span::before{content:"";display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;background:var(--c)}
svg text{font:11px system-ui,sans-serif;fill:#34495e}
.filters{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:10px;align-items:center;background:#fff;padding:10px 16px;margin:16px 0;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.filters select,.filters input{font:inherit;padding:4px 8px;border:1px solid #aab7b8;border-radius:4px}
.filters input{flex:1;min-width:200px}
.count{color:#566573;font-size:13px}
.month h3{margin:22px 0 6px;font-size:17px;border-bottom:2px solid #d5d8dc;padding-bottom:3px}
.ev{display:grid;grid-template-columns:74px 1fr;gap:10px;background:#fff;border-radius:6px;padding:8px 12px;margin:6px 0;border-left:4px solid var(--c)}
.when{color:#566573;font-size:13px;padding-top:2px}
.head{font-weight:600}
.badge{display:inline-block;font-size:11px;font-weight:600;color:#fff;background:var(--c);border-radius:3px;padding:0 6px;margin-right:6px;vertical-align:1px}
.meta{font-size:13px;color:#566573}
details{font-size:13px;margin-top:2px}
details ul{margin:4px 0;padding-left:18px}
blockquote{margin:2px 0 6px;padding-left:8px;border-left:2px solid #d5d8dc;color:#4d5656}
a{color:#1f618d}
[hidden]{display:none!important}
footer{color:#7f8c8d;font-size:12px;margin-top:30px}
@media (max-width:800px){.cards{grid-template-columns:1fr}}
"""

_JS = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('.ev'));
  var groups = document.querySelectorAll('.month');
  var ft = document.getElementById('f-type'), fc = document.getElementById('f-country');
  var fq = document.getElementById('f-q'), shown = document.getElementById('shown');
  function apply() {
    var t = ft.value, c = fc.value, q = fq.value.trim().toLowerCase(), n = 0;
    rows.forEach(function (r) {
      var ok = (!t || r.dataset.type === t) &&
               (!c || r.dataset.countries.split(' ').indexOf(c) >= 0) &&
               (!q || r.dataset.text.indexOf(q) >= 0);
      r.hidden = !ok; if (ok) n++;
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector('.ev:not([hidden])'); });
    shown.textContent = n; document.body.dataset.shown = n;
    var h = new URLSearchParams();
    if (t) h.set('type', t); if (c) h.set('country', c); if (q) h.set('q', q);
    try { history.replaceState(null, '', h.toString() ? '#' + h : location.pathname); } catch (e) {}
  }
  var p = new URLSearchParams(location.hash.slice(1));
  if (p.get('type')) ft.value = p.get('type');
  if (p.get('country')) fc.value = p.get('country');
  if (p.get('q')) fq.value = p.get('q');
  ft.addEventListener('change', apply); fc.addEventListener('change', apply);
  fq.addEventListener('input', apply);
  apply();
  document.body.dataset.ready = '1';
})();
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _color(kind: str) -> str:
    return TYPE_COLORS.get(kind, OTHER_COLOR)


def _month(event: Event) -> date | None:
    start = render.start_day(event)
    return start.replace(day=1) if start else None


def _months(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def _month_axis(events: Sequence[Event]) -> list[date]:
    dated = [m for m in (_month(e) for e in events) if m]
    return _months(min(dated), max(dated)) if dated else []


def _label_step(n: int) -> int:
    return 1 if n <= 14 else 3 if n <= 40 else 6 if n <= 80 else 12


def type_chart(events: Sequence[Event]) -> str:
    """Stacked bars: events per month, one colour per type; <title> gives exact counts."""
    months = _month_axis(events)
    if not months:
        return '<p class="count">no dated events</p>'
    counts: Counter[tuple[date, str]] = Counter()
    for e in events:
        if (m := _month(e)) is not None:
            counts[(m, str(e.get("type")))] += 1
    totals = {m: sum(v for (mm, _), v in counts.items() if mm == m) for m in months}
    top = max(totals.values()) or 1
    width, height, left, bottom, top_pad = 540, 220, 30, 34, 10
    plot_h = height - bottom - top_pad
    slot = (width - left - 6) / len(months)
    bar = max(min(slot * 0.7, 40), 2)
    parts = [f'<svg id="chart-type" class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="Events per month by type">']
    for tick in sorted({0, top // 2, top}):
        y = top_pad + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e8e8"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    step = _label_step(len(months))
    order = [t for t in EVENT_TYPES] + sorted({k for _, k in counts} - set(EVENT_TYPES))
    for i, m in enumerate(months):
        x = left + i * slot + (slot - bar) / 2
        y = top_pad + plot_h
        for kind in order:
            n = counts.get((m, kind), 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{_color(kind)}"><title>{m:%b %Y}: {n} {_e(kind)}</title></rect>')
        if i % step == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                         f'{m:%b}</text>')
            if i == 0 or m.month <= step:
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 29}" '
                             f'text-anchor="middle">{m.year}</text>')
    parts.append("</svg>")
    totals_by_type = Counter(str(e.get("type")) for e in events)
    legend = "".join(f'<span style="--c:{_color(k)}">{_e(k.replace("_", " "))} ({totals_by_type[k]})</span>'
                     for k in order if totals_by_type.get(k))
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def country_chart(events: Sequence[Event]) -> str:
    """A heat map: countries (rows, busiest first) by month (columns), darker = more events."""
    months = _month_axis(events)
    per_country: Counter[str] = Counter()
    cells: Counter[tuple[str, date]] = Counter()
    for e in events:
        m = _month(e)
        for actor in {a for a in e.get("actors") or [] if render.is_country(a)}:
            per_country[actor] += 1
            if m is not None:
                cells[(actor, m)] += 1
    countries = [c for c, _ in per_country.most_common(MAX_CHART_COUNTRIES)]
    if not countries or not months:
        return '<p class="count">no events with a country</p>'
    left, top_pad, bottom = 118, 6, 34
    row_h = max(18, min(26, 180 // len(countries)))  # few countries: taller rows fill the card
    width = 540
    cell_w = (width - left - 6) / len(months)
    height = top_pad + row_h * len(countries) + bottom
    peak = max(cells.values()) or 1
    parts = [f'<svg id="chart-country" class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="Events per month by country">']
    for r, code in enumerate(countries):
        y = top_pad + r * row_h
        name = render.actor_name(code)
        parts.append(f'<text x="{left - 6}" y="{y + row_h * 0.7:.1f}" text-anchor="end">{_e(name)}'
                     f' ({per_country[code]})</text>')
        for i, m in enumerate(months):
            n = cells.get((code, m), 0)
            shade = 0.08 + 0.92 * n / peak if n else 0.0
            fill = f"rgba(36,113,163,{shade:.2f})" if n else "#f2f3f4"
            parts.append(f'<rect class="cell" x="{left + i * cell_w + 1:.1f}" y="{y + 1}" width="{max(cell_w - 2, 1):.1f}" '
                         f'height="{row_h - 2}" rx="2" fill="{fill}"><title>{_e(name)}, {m:%b %Y}: {n}</title></rect>')
            if n and cell_w >= 14:
                color = "#fff" if shade > 0.55 else "#1c2833"
                parts.append(f'<text x="{left + (i + 0.5) * cell_w:.1f}" y="{y + row_h * 0.7:.1f}" '
                             f'text-anchor="middle" style="fill:{color}">{n}</text>')
    step = _label_step(len(months))
    base = top_pad + row_h * len(countries)
    for i, m in enumerate(months):
        if i % step == 0:
            x = left + (i + 0.5) * cell_w
            parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{m:%b}</text>')
            if i == 0 or m.month <= step:
                parts.append(f'<text x="{x:.1f}" y="{base + 29}" text-anchor="middle">{m.year}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links: a stored URL must never become a javascript: link."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def _sources_html(sources: Sequence[Mapping[str, Any]]) -> str:
    if not sources:
        return ""
    items = []
    for s in sources:
        outlet = s.get("outlet") or s.get("site") or "source"
        title = s.get("title") or s.get("url") or "(no headline)"
        label = f"{_e(outlet)}: {_e(title)}"
        url = _safe_url(s.get("url"))
        link = f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{label}</a>' if url else label
        published = s.get("published")
        day = f' <span class="meta">{_e(str(render.iso(published))[:10])}</span>' if published else ""
        quote = f"<blockquote>{_e(s['sentence'])}</blockquote>" if s.get("sentence") else ""
        basis = render.evidence_words(s.get("evidence"))
        basis_html = f' <span class="meta">({_e(basis)})</span>' if basis else ""
        items.append(f"<li>{link}{day}{basis_html}{quote}</li>")
    n = len(sources)
    outlets = list(dict.fromkeys(str(s.get("outlet") or s.get("site") or "") for s in sources if s.get("outlet") or s.get("site")))
    named = f": {_e(', '.join(outlets[:4]))}{', ...' if len(outlets) > 4 else ''}" if outlets else ""
    return (f"<details><summary>{n} source{'s' if n != 1 else ''}{named}</summary>"
            f"<ul>{''.join(items)}</ul></details>")


def _event_html(label: str, e: Event, sources: Sequence[Mapping[str, Any]]) -> str:
    kind = str(e.get("type") or "")
    actors = list(e.get("actors") or [])
    commodities = list(e.get("commodities") or [])
    countries = " ".join(a for a in actors if render.is_country(a))
    head = render.headline(e)
    amount = render.money(e.get("amount"), e.get("currency"))
    meta = " · ".join(x for x in (
        render.when(e), ", ".join(render.actor_name(a) for a in actors), ", ".join(commodities), amount,
        render.evidence_words(e.get("evidence")),
    ) if x)
    text = " ".join([head, kind, *actors, *(render.actor_name(a) for a in actors), *commodities,
                     *(str(s.get("outlet") or "") for s in sources), *(str(s.get("title") or "") for s in sources)])
    return (
        f'<div class="ev" style="--c:{_color(kind)}" data-id="{_e(e.get("event_id"))}" data-type="{_e(kind)}" '
        f'data-countries="{_e(countries)}" data-text="{_e(text.lower())}">'
        f'<div class="when">{_e(label)}</div><div>'
        f'<div class="head"><span class="badge">{_e(kind.replace("_", " "))}</span>{_e(head)}</div>'
        f'<div class="meta">{_e(meta)}</div>{_sources_html(sources)}</div></div>'
    )


def render_report(
    events: Sequence[Event],
    sources: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    since: date | None = None,
    until: date | None = None,
    generated: datetime | None = None,
) -> str:
    """The whole page as one string; `sources` maps event_id to its source rows."""
    generated = generated or datetime.now(UTC)
    span = " to ".join(x for x in (f"from {since}" if since else "", f"until {until}" if until else "") if x)
    n_sources = sum(len(v) for k, v in sources.items())
    types_present = [t for t in EVENT_TYPES if any(e.get("type") == t for e in events)]
    countries = sorted({a for e in events for a in e.get("actors") or [] if render.is_country(a)},
                       key=render.actor_name)
    type_opts = "".join(f'<option value="{_e(t)}">{_e(t.replace("_", " "))}</option>' for t in types_present)
    country_opts = "".join(f'<option value="{_e(c)}">{_e(render.actor_name(c))} ({_e(c)})</option>'
                           for c in countries)
    groups = []
    for group, entries in render.timeline_groups(events):
        rows = "".join(_event_html(label, e, sources.get(str(e.get("event_id")), [])) for label, e in entries)
        groups.append(f'<section class="month"><h3>{_e(group)}</h3>{rows}</section>')
    timeline = "".join(groups) or "<p>No events in this range.</p>"
    meta = json.dumps({"events": len(events), "generated": generated.isoformat(timespec="seconds")})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>reewatch report</title>
<style>{_CSS}</style></head>
<body data-ready="0" data-events="{len(events)}">
<header><h1>Rare earths &amp; critical minerals: policy events</h1>
<p>{len(events)} events from {n_sources} reports{_e(" · " + span) if span else ""} · generated {generated:%Y-%m-%d %H:%M} UTC by reewatch</p></header>
<main>
<div class="cards">
<div class="card"><h2>Events per month, by type</h2>{type_chart(events)}</div>
<div class="card"><h2>Events per month, by country</h2>{country_chart(events)}</div>
</div>
<div class="filters">
<label>Type <select id="f-type"><option value="">all types</option>{type_opts}</select></label>
<label>Country <select id="f-country"><option value="">all countries</option>{country_opts}</select></label>
<input id="f-q" type="search" placeholder="Search headlines, actors, commodities, outlets">
<span class="count"><span id="shown">{len(events)}</span> of {len(events)} events shown</span>
</div>
<div id="timeline">{timeline}</div>
<footer>Dates are when the event happened or is scheduled (month- or year-precise events are listed at the top of their month or year; charts count year-dated events in January). Actors are ISO country codes or organisation names.</footer>
</main>
<script type="application/json" id="report-meta">{meta}</script>
<script>{_JS}</script>
</body></html>
"""
