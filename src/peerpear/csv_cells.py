"""Spreadsheet formula injection: the guard every CSV this service writes puts on its cells.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) get a leading apostrophe, as OWASP advises against CSV injection. The
registrations import takes it off again (:func:`unguard`), so an exported file imports back as
it was. Shared by the registrations export and the pairing exports: one rule for every file an
organizer opens in a spreadsheet.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(cell: str) -> str:
    """The cell as text no spreadsheet runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unguard(cell: str) -> str:
    """The cell as it was before :func:`guard`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell
