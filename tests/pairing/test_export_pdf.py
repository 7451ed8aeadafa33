"""The working pairing's PDF export, read back with pypdf as a reader (and a search) would."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from peerpear.pairing.exports import ExportGroup, ExportMember, ExportPairing, to_pdf
from peerpear.pairing.exports.pdf_fonts import fonts
from tests.pairing.export_samples import GENERATED, pairing


def pdf_text(data: bytes) -> tuple[str, int]:
    """All pages' text and the number of pages."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_every_group_heading_name_and_email_is_in_the_document() -> None:
    data = to_pdf(pairing(), explanations=False)
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    assert pages == 1
    for expected in [
        "Spring Big/Little",
        "Chess Club",
        "Published 2025-03-14",
        "2 groups, 4 people",
        "Group 1",
        "Group 2",
        "Role",
        "Page 1 of 1",
    ]:
        assert expected in text
    for group in pairing().groups:
        for member in group.members:
            assert member.name in text and member.email in text
    assert "You both hike." not in text
    # With roles, the big first in each group: the order of every format.
    assert text.index("Ada Lovelace") < text.index("Grace Hopper")
    assert text.index("Alan Turing") < text.index("Zoë Łukasiewicz")


def test_explanations_only_when_asked_and_the_role_column_only_with_roles() -> None:
    text, _ = pdf_text(to_pdf(pairing("none"), explanations=True))
    for explanation in ["You both hike.", "Shares your chess.", "Also studies math."]:
        assert explanation in text
    assert "Grace Hopper: You both hike." in text  # whose explanation it is
    assert "Role" not in text


def test_a_locked_group_is_marked() -> None:
    text, _ = pdf_text(to_pdf(pairing(), explanations=False))
    assert "Group 2 · locked" in text
    assert "Group 1 · locked" not in text


def test_two_hundred_groups_fill_pages_numbered_in_the_footer() -> None:
    groups = [
        ExportGroup(
            i,
            [
                ExportMember(f"Big {i}", f"big{i}@example.edu", "big", f"Reason {i}."),
                ExportMember(f"Little {i}", f"little{i}@example.edu", "little", None),
            ],
        )
        for i in range(1, 201)
    ]
    big = ExportPairing("Big/Little", "Club", None, GENERATED, "big_little", groups)
    data = to_pdf(big, explanations=True)
    text, pages = pdf_text(data)
    assert pages > 1
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "200 groups, 400 people" in text
    headings = [int(n) for n in re.findall(r"^Group (\d+)$", text, re.MULTILINE)]
    assert headings == list(range(1, 201))
    assert all(f"little{i}@example.edu" in text for i in range(1, 201))
    # A group's block is never cut by a page break: its last line is on its heading's page.
    for page in PdfReader(io.BytesIO(data)).pages:
        page_text = page.extract_text()
        for n in re.findall(r"^Group (\d+)$", page_text, re.MULTILINE):
            assert f"Reason {n}." in page_text, f"group {n} split across pages"


def test_user_text_with_markup_appears_literally() -> None:
    literals = ["Ada <b>Lovelace</b> & co", "a&b@example.edu", "<i>x</i> &amp;", "Tea & <Cake>"]
    name, email, explanation, title = literals
    member = ExportMember(name, email, None, explanation)
    event = ExportPairing(title, "R&D", None, GENERATED, "none", [ExportGroup(1, [member])])
    text, _ = pdf_text(to_pdf(event, explanations=True))
    for literal in [*literals, "R&D"]:
        assert literal in text


def test_latin_extended_and_chinese_names_come_out_as_written() -> None:
    # Helvetica would print "■ukasiewicz" and reportlab's Vera a blank for "Ő": this needs the
    # DejaVu Sans of Debian's fonts-dejavu-core (installed by .ci/run).
    names = ["Zoë Łukasiewicz", "Őrs Ābele-Çelik", "Đorđe Şahin", "李雷", "Ана Петрова"]
    members = [ExportMember(name, f"p{i}@example.edu", None, None) for i, name in enumerate(names)]
    event = ExportPairing("Ünïcödé", "Łódź", None, GENERATED, "none", [ExportGroup(1, members)])
    text, _ = pdf_text(to_pdf(event, explanations=False))
    for name in [*names, "Ünïcödé", "Łódź"]:
        assert name in text, f"{name!r} not rendered (are fonts-dejavu-core's fonts installed?)"


def test_each_character_goes_to_a_font_that_has_it() -> None:
    f = fonts()
    assert f.face_for("Ł", f.regular) == f.regular
    assert f.face_for("李", f.regular) not in (f.regular, f.bold)
    assert f.markup("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert f.markup("Li 李雷").startswith("Li <font face=")
    assert f.markup("Li", bold=True) == f'<font face="{f.bold}">Li</font>'


def test_page_size_letter_by_default_or_a4() -> None:
    def size(data: bytes) -> tuple[int, int]:
        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        return round(float(box.width)), round(float(box.height))

    assert size(to_pdf(pairing(), explanations=False)) == (612, 792)
    assert size(to_pdf(pairing(), explanations=False, page_size="a4")) == (595, 842)


def test_an_empty_pairing_still_prints_its_title() -> None:
    empty = ExportPairing("Nobody yet", "Club", None, datetime(2025, 1, 2, tzinfo=UTC), "none", [])
    text, pages = pdf_text(to_pdf(empty, explanations=True))
    assert pages == 1 and "Nobody yet" in text and "0 groups, 0 people" in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(st.characters(codec="utf-8"), max_size=120),
    email=st.text(st.characters(codec="utf-8"), max_size=320),
    explanation=st.text(st.characters(codec="utf-8"), max_size=2000),
)
def test_no_user_text_makes_it_fail(name: str, email: str, explanation: str) -> None:
    member = ExportMember(name, email, "mentor", explanation)
    event = ExportPairing(name, email, None, GENERATED, "mentor", [ExportGroup(1, [member], True)])
    assert to_pdf(event, explanations=True).startswith(b"%PDF")
