"""The working pairing's CSV and plain-text exports, and what every format shares.

(The PDF has its own file: test_export_pdf.py.)
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from peerpear.csv_cells import unguard
from peerpear.models import RoleScheme
from peerpear.pairing.exports import ExportGroup, ExportMember, ExportPairing, to_csv, to_txt
from peerpear.pairing.exports.model import ordered_members
from tests.pairing.export_samples import GENERATED, pairing


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_one_row_per_member_ordered_by_role_then_name() -> None:
    assert rows(to_csv(pairing(), explanations=False)) == [
        ["group", "name", "email", "role"],
        ["1", "Ada Lovelace", "ada@example.edu", "big"],
        ["1", "Grace Hopper", "grace@example.edu", "little"],
        ["2", "Alan Turing", "alan@example.edu", "big"],
        ["2", "Zoë Łukasiewicz", "zoe@example.edu", "little"],
    ]


def test_csv_mentors_come_before_their_mentees() -> None:
    table = rows(to_csv(pairing("mentor"), explanations=False))
    assert [row[3] for row in table[1:]] == ["mentor", "mentee", "mentor", "mentee"]


def test_csv_without_roles_has_no_role_column_and_keeps_the_pairings_order() -> None:
    assert rows(to_csv(pairing("none"), explanations=False)) == [
        ["group", "name", "email"],
        ["1", "Grace Hopper", "grace@example.edu"],
        ["1", "Ada Lovelace", "ada@example.edu"],
        ["2", "Zoë Łukasiewicz", "zoe@example.edu"],
        ["2", "Alan Turing", "alan@example.edu"],
    ]


def test_csv_explanation_column_only_when_asked() -> None:
    table = rows(to_csv(pairing(), explanations=True))
    assert table[0] == ["group", "name", "email", "role", "explanation"]
    by_name = {row[1]: row[4] for row in table[1:]}
    assert by_name == {
        "Ada Lovelace": "Shares your chess.",
        "Grace Hopper": "You both hike.",
        "Alan Turing": "Also studies math.",
        "Zoë Łukasiewicz": "",  # no explanation: an empty cell, not "None"
    }
    assert "explanation" not in rows(to_csv(pairing(), explanations=False))[0]


def test_csv_cells_no_spreadsheet_runs_as_formulas() -> None:
    member = ExportMember('=HYPERLINK("http://x")', "+1@example.edu", "@big", "-2+3")
    evil = ExportPairing("t", "o", None, GENERATED, "big_little", [ExportGroup(1, [member])])
    [_, row] = rows(to_csv(evil, explanations=True))
    assert row == ["1", '\'=HYPERLINK("http://x")', "'+1@example.edu", "'@big", "'-2+3"]
    # The same guard as the registrations export: its import reads the cells back as they were.
    assert [unguard(cell) for cell in row[1:]] == [
        member.name,
        member.email,
        member.role,
        member.explanation,
    ]


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    member = ExportMember('Lovelace, Ada "Countess"', "ada@example.edu", None, "two\nlines")
    text = to_csv(
        ExportPairing("t", "o", None, GENERATED, "none", [ExportGroup(7, [member])]),
        explanations=True,
    )
    assert rows(text)[1] == ["7", 'Lovelace, Ada "Countess"', "ada@example.edu", "two\nlines"]


TXT_WITH_ROLES = """\
Spring Big/Little
Chess Club
Published 2025-03-14
2 groups, 4 people

Group 1:
  [big] Ada Lovelace <ada@example.edu>
    Shares your chess.
  [little] Grace Hopper <grace@example.edu>
    You both hike.

Group 2:
  [big] Alan Turing <alan@example.edu>
    Also studies math.
  [little] Zoë Łukasiewicz <zoe@example.edu>
"""

TXT_WITHOUT_ROLES = """\
Spring Big/Little
Chess Club
Generated 2025-03-10 (not published)
2 groups, 4 people

Group 1:
  Grace Hopper <grace@example.edu>
  Ada Lovelace <ada@example.edu>

Group 2:
  Zoë Łukasiewicz <zoe@example.edu>
  Alan Turing <alan@example.edu>
"""


def test_txt_layout_with_roles_and_explanations() -> None:
    assert to_txt(pairing(), explanations=True) == TXT_WITH_ROLES


def test_txt_layout_without_roles_or_explanations_for_a_draft() -> None:
    assert to_txt(pairing("none", published=False), explanations=False) == TXT_WITHOUT_ROLES


def test_txt_keeps_one_line_per_member_whatever_the_names_hold() -> None:
    member = ExportMember("Ada\nLovelace", "ada@example.edu", None, "line one\n\nline two")
    one = ExportPairing("Title\nhere", "Club", None, GENERATED, "none", [ExportGroup(1, [member])])
    assert to_txt(one, explanations=True).splitlines() == [
        "Title here",
        "Club",
        "Generated 2025-03-10 (not published)",
        "1 group, 1 person",
        "",
        "Group 1:",
        "  Ada Lovelace <ada@example.edu>",
        "    line one line two",
    ]


def test_dates_are_utc_days() -> None:
    evening_in_new_york = datetime(2025, 3, 14, 21, 0, tzinfo=timezone(timedelta(hours=-4)))
    late = ExportPairing("t", "o", evening_in_new_york, GENERATED, "none", [])
    assert to_txt(late, explanations=False).splitlines()[2] == "Published 2025-03-15"


def test_order_within_a_group_by_role_rank_then_name() -> None:
    def m(name: str, role: str | None) -> ExportMember:
        return ExportMember(name, f"{name}@example.edu", role, None)

    group = ExportGroup(
        1,
        [
            m("zed", None),
            m("Bea", "little"),
            m("dee", "odd"),
            m("Al", "either"),
            m("Cy", "big"),
            m("bo", "big"),
            m("al", "big"),
        ],
    )
    event = ExportPairing("t", "o", None, GENERATED, "big_little", [group])
    # Names compare without case ("bo" before "Cy"); a role outside the table comes after the
    # known ones, and no role last.
    assert [x.name for x in ordered_members(event, group)] == [
        "al",
        "bo",
        "Cy",
        "Al",
        "Bea",
        "dee",
        "zed",
    ]


def test_role_scheme_is_checked_and_takes_the_models_enum() -> None:
    with pytest.raises(ValueError, match="unknown role scheme"):
        ExportPairing("t", "o", None, GENERATED, "big-little", [])
    assert ExportPairing("t", "o", None, GENERATED, RoleScheme.MENTOR, []).has_roles
    assert not ExportPairing("t", "o", None, GENERATED, RoleScheme.NONE, []).has_roles


def test_importing_the_exports_does_not_load_reportlab() -> None:
    # The server imports the routes (and so this package) at start; reportlab waits for a PDF.
    probe = (
        "import json, sys\n"
        "import peerpear.pairing.exports\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('reportlab'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []
