"""A working pairing as plain text, in the original PeerPear's layout: easy to paste in a mail.

::

    Spring Big/Little
    Chess Club
    Published 2025-03-14
    2 groups, 4 people

    Group 1:
      [big] Ada Lovelace <ada@example.edu>
        You both love hiking.
      [little] Grace Hopper <grace@example.edu>

    Group 2:
      ...

The role in brackets appears only for events with roles, the indented explanation line only
when asked. User text is put on one line (see ``one_line``) so the layout holds.
"""

from __future__ import annotations

from peerpear.pairing.exports.model import (
    ExportGroup,
    ExportPairing,
    dated,
    one_line,
    ordered_members,
    summary,
)


def _group_lines(pairing: ExportPairing, group: ExportGroup, explanations: bool) -> list[str]:
    lines = [f"Group {group.number}:"]
    for member in ordered_members(pairing, group):
        role = f"[{one_line(member.role)}] " if pairing.has_roles and member.role else ""
        lines.append(f"  {role}{one_line(member.name)} <{one_line(member.email)}>")
        if explanations and member.explanation and member.explanation.strip():
            lines.append(f"    {one_line(member.explanation)}")
    return lines


def to_txt(pairing: ExportPairing, *, explanations: bool) -> str:
    lines = [
        one_line(pairing.event_title),
        one_line(pairing.organization),
        dated(pairing),
        summary(pairing),
    ]
    for group in pairing.groups:
        lines.append("")
        lines.extend(_group_lines(pairing, group, explanations))
    return "\n".join(lines) + "\n"
