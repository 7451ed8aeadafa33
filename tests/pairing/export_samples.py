"""A small working pairing for the export tests (test_export_formats.py, test_export_pdf.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from peerpear.pairing.exports import ExportGroup, ExportMember, ExportPairing

GENERATED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
PUBLISHED = datetime(2025, 3, 14, 18, 0, tzinfo=UTC)


def pairing(role_scheme: str = "big_little", published: bool = True) -> ExportPairing:
    """Two groups whose members are deliberately out of order (little first, names reversed)."""
    roles = {"big_little": ("big", "little"), "mentor": ("mentor", "mentee"), "none": (None, None)}
    giver, taker = roles[role_scheme]
    return ExportPairing(
        event_title="Spring Big/Little",
        organization="Chess Club",
        published_at=PUBLISHED if published else None,
        generated_at=GENERATED,
        role_scheme=role_scheme,
        groups=[
            ExportGroup(
                1,
                [
                    ExportMember("Grace Hopper", "grace@example.edu", taker, "You both hike."),
                    ExportMember("Ada Lovelace", "ada@example.edu", giver, "Shares your chess."),
                ],
            ),
            ExportGroup(
                2,
                [
                    ExportMember("Zoë Łukasiewicz", "zoe@example.edu", taker, None),
                    ExportMember("Alan Turing", "alan@example.edu", giver, "Also studies math."),
                ],
                locked=True,
            ),
        ],
    )
