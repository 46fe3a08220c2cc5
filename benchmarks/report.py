"""The benchmark's one table: rows of figures, targets and PASS/MISS, for the terminal and Markdown."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass
class Row:
    """One figure. `ok` is None for figures without a target (context, baselines)."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def status(self) -> str:
        return "" if self.ok is None else ("PASS" if self.ok else "MISS")

    def shown(self) -> str:
        v = self.value
        if math.isnan(v):
            return "n/a"
        if abs(v) >= 100 or v == int(v):
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:,.1f}"
        return f"{v:,.2f}" if abs(v) >= 0.1 else f"{v:.3g}"


def render_rich(rows: list[Row], title: str, console: Console | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for col, justify in (("figure", "left"), ("value", "right"), ("unit", "left"),
                         ("target", "left"), ("", "center"), ("note", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        status = {"PASS": "[green]PASS[/green]", "MISS": "[red]MISS[/red]"}.get(r.status, "")
        table.add_row(r.name, r.shown(), r.unit, r.target, status, r.note)
    if console is None:
        console = Console()
        if not console.is_terminal or console.width < 160:
            console = Console(width=200)  # piped or narrow: keep one line per figure
    console.print(table)


def render_markdown(rows: list[Row], title: str, footer: str = "") -> str:
    lines = [f"### {title}", "", "| figure | value | unit | target | | note |",
             "|---|---:|---|---|:---:|---|"]
    for r in rows:
        cells = [r.name, r.shown(), r.unit, r.target, r.status, r.note]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if footer:
        lines += ["", footer]
    return "\n".join(lines) + "\n"
