"""A working pairing as a PDF an organizer prints: built with reportlab's platypus.

A title block (event, organization, date), a summary line, then one block per group: a heading
("Group 3", marked when locked), a table of name, email (and role, for events with roles) and,
when asked, each member's explanation in small text under it. A block is kept on one page when
it fits (KeepTogether); every page has "Page i of n" in its footer.

User text goes into Paragraph markup, so it is escaped (a name may hold ``<`` or ``&``) and set
in fonts that can draw it (pdf_fonts.py). This module imports reportlab at the top: only
``to_pdf`` in ``peerpear.pairing.exports`` loads it, so the server does not pay for it at start.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from peerpear.pairing.exports.model import (
    ExportGroup,
    ExportPairing,
    PageSize,
    dated,
    ordered_members,
    summary,
)
from peerpear.pairing.exports.pdf_fonts import Fonts, fonts

_PAGE_SIZES = {"letter": LETTER, "a4": A4}
_MARGIN = 18 * mm
_GREY = colors.HexColor("#555555")
_RULE = colors.HexColor("#BBBBBB")
_HEADER_FILL = colors.HexColor("#EEEEEE")


class _NumberedCanvas(Canvas):
    """A canvas that writes "Page i of n" on every page once n is known (at save).

    reportlab's own recipe: each finished page's state is kept instead of written, then at save
    every page is written with its footer. Restarting a page is reportlab's ``_startPage``, the
    one private name used here (tests read the footers back, so a rename would show).
    """

    def __init__(self, *args: Any, footer_font: str, page_width: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer_font = footer_font
        self._page_width = page_width
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(self._footer_font, 8)
            self.setFillColor(_GREY)
            footer = f"Page {self.getPageNumber()} of {total}"
            self.drawRightString(self._page_width - _MARGIN, _MARGIN / 2, footer)
            super().showPage()
        super().save()


class _Styles:
    def __init__(self, f: Fonts) -> None:
        # Styles of user text are in the regular font: Fonts.markup tags what is not.
        self.title = ParagraphStyle("title", fontName=f.regular, fontSize=18, leading=22)
        self.subtitle = ParagraphStyle("subtitle", fontName=f.regular, fontSize=12, leading=16)
        self.meta = ParagraphStyle(
            "meta", fontName=f.regular, fontSize=9, leading=12, textColor=_GREY
        )
        self.heading = ParagraphStyle(
            "heading", fontName=f.bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4
        )
        self.cell = ParagraphStyle("cell", fontName=f.regular, fontSize=9, leading=11)
        self.head_cell = ParagraphStyle("head_cell", parent=self.cell, fontName=f.bold)
        self.note = ParagraphStyle(
            "note", fontName=f.regular, fontSize=7.5, leading=9.5, textColor=_GREY, spaceBefore=2
        )


def _group_block(
    pairing: ExportPairing,
    group: ExportGroup,
    explanations: bool,
    f: Fonts,
    s: _Styles,
    width: float,
) -> Flowable:
    heading = f"Group {group.number}"
    if group.locked:
        heading += f' <font name="{f.regular}" size="8" color="#555555">· locked</font>'
    members = ordered_members(pairing, group)
    header = ["Name", "Email", *(["Role"] if pairing.has_roles else [])]
    rows = [[Paragraph(text, s.head_cell) for text in header]]
    for m in members:
        row = [Paragraph(f.markup(m.name), s.cell), Paragraph(f.markup(m.email), s.cell)]
        if pairing.has_roles:
            row.append(Paragraph(f.markup(m.role or ""), s.cell))
        rows.append(row)
    shares = [0.42, 0.43, 0.15] if pairing.has_roles else [0.45, 0.55]
    table = Table(rows, colWidths=[width * share for share in shares], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    block: list[Flowable] = [Paragraph(heading, s.heading), table]
    if explanations:
        for m in members:
            if m.explanation and m.explanation.strip():
                text = f"{f.markup(m.name, bold=True)}: {f.markup(m.explanation)}"
                block.append(Paragraph(text, s.note))
    return KeepTogether(block)


def render(pairing: ExportPairing, *, explanations: bool, page_size: PageSize) -> bytes:
    f = fonts()
    s = _Styles(f)
    out = io.BytesIO()
    width, _ = _PAGE_SIZES[page_size]
    doc = SimpleDocTemplate(
        out,
        pagesize=_PAGE_SIZES[page_size],
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=pairing.event_title,
        author=pairing.organization,
        creator="PeerPear",
    )
    story: list[Flowable] = [
        Paragraph(f.markup(pairing.event_title, bold=True), s.title),
        Paragraph(f.markup(pairing.organization), s.subtitle),
        Spacer(0, 2 * mm),
        Paragraph(f"{dated(pairing)} · {summary(pairing)}", s.meta),
        Spacer(0, 4 * mm),
    ]
    story += [
        _group_block(pairing, group, explanations, f, s, doc.width) for group in pairing.groups
    ]
    doc.build(
        story,
        canvasmaker=lambda *a, **k: _NumberedCanvas(
            *a, footer_font=f.regular, page_width=width, **k
        ),
    )
    return out.getvalue()
