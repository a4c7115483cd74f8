"""Cells for CSV and Excel exports that a spreadsheet never runs as a formula (CSV/formula injection).

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single
quote (the OWASP rule), so that a department named ``=HYPERLINK(...)`` is shown, not evaluated. Numbers stay
numbers. Every export goes through :func:`safe_cell` / :func:`safe_row`; :func:`unquote_cell` undoes the
prefix when the project reads its own export back (the catalog template), so a round trip changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

RISKY_FIRST = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(RISKY_FIRST):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def unquote_cell(value: Any) -> Any:
    """A cell as written before :func:`safe_cell` quoted it."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1:].startswith(RISKY_FIRST):
        return value[1:]
    return value
