"""Long word alternations (`\\b(?:A1|A2|...)`) rewritten to match the same text, faster.

Why: Python's regex engine tries every alternative at every word start, so a gate of 140
commodity forms or the 300 trigger stems cost seconds over a few hundred articles. Filed
under a lookahead on their first character, only the alternatives that can start at a
position are tried, in their original order: every match (and findall's sequence of
matches) is the one the plain alternation gives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SCOPED_CASE = "(?-i:"  # an alternative that keeps its capitals inside an IGNORECASE pattern


def _first_char(alt: str) -> str | None:
    """The literal every match of `alt` starts with; None when that is not plain to see."""
    body = alt[len(_SCOPED_CASE):] if alt.startswith(_SCOPED_CASE) else alt
    if len(body) < 1 or not (body[0].isascii() and body[0].isalnum()):
        return None
    if len(body) > 1 and body[1] in "?*+{|":  # "s?..." may start with another character
        return None
    return body[0]


def _top_level_bar(alt: str) -> bool:
    """True when `alt` is itself an alternation ("ab|cd") outside any group or class."""
    depth, i, in_class = 0, 0, False
    while i < len(alt):
        ch = alt[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def alternation(alternatives: Sequence[str], ignore_case: bool) -> str:
    """A regex equivalent to `|`.join(alternatives), grouped by first character.

    `ignore_case` must say whether the pattern is compiled with re.IGNORECASE (then "A..."
    and "a..." alternatives share a group, keeping their order). When an alternative does
    not start with a plain ASCII letter or digit, the plain alternation is returned."""
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        first = _first_char(alt)
        if first is None or _top_level_bar(alt):
            return "|".join(alternatives)
        groups.setdefault(first.lower() if ignore_case else first, []).append(alt)
    keys = "".join(groups)
    branches = "|".join(f"(?={k})(?:{'|'.join(alts)})" for k, alts in groups.items())
    return f"(?=[{keys}])(?:{branches})"


def compile_words(alternatives: Sequence[str], ignore_case: bool, prefix: str = "", suffix: str = "") -> re.Pattern[str]:
    """`prefix(?:A1|A2|...)suffix` compiled (with re.IGNORECASE when `ignore_case`), grouped."""
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(f"{prefix}(?:{alternation(alternatives, ignore_case)}){suffix}", flags)
