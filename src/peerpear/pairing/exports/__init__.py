"""Exports of a working pairing: CSV, plain text and PDF, as pure functions of plain data.

No database and no web framework here: the caller builds an :class:`ExportPairing` (from the
working pairing, its event and its people) and sends what these return. ``to_pdf`` loads
reportlab on its first call only, so importing this package costs the server nothing.
"""

from __future__ import annotations

from peerpear.pairing.exports.csv_format import to_csv
from peerpear.pairing.exports.model import ExportGroup, ExportMember, ExportPairing, PageSize
from peerpear.pairing.exports.txt_format import to_txt

__all__ = [
    "ExportGroup",
    "ExportMember",
    "ExportPairing",
    "PageSize",
    "to_csv",
    "to_pdf",
    "to_txt",
]


def to_pdf(pairing: ExportPairing, *, explanations: bool, page_size: PageSize = "letter") -> bytes:
    """The pairing as a printable PDF, on US Letter (``page_size="letter"``) or ``"a4"``."""
    from peerpear.pairing.exports.pdf_format import render

    if page_size not in ("letter", "a4"):  # for callers that pass a query parameter unchecked
        raise ValueError(f"page size must be 'letter' or 'a4', not {page_size!r}")
    return render(pairing, explanations=explanations, page_size=page_size)
