"""A working pairing as CSV: one row per member, for a spreadsheet or a mail merge.

Columns: ``group`` (its number), ``name``, ``email``, then ``role`` when the event has roles and
``explanation`` when asked. Text cells carry the formula-injection guard every export of this
service uses. This returns text: the caller picks the encoding (and a byte-order mark for Excel,
as the registrations export does).
"""

from __future__ import annotations

import csv
import io

from peerpear.csv_cells import guard
from peerpear.pairing.exports.model import ExportPairing, ordered_members


def to_csv(pairing: ExportPairing, *, explanations: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["group", "name", "email"]
    if pairing.has_roles:
        header.append("role")
    if explanations:
        header.append("explanation")
    writer.writerow(header)
    for group in pairing.groups:
        for member in ordered_members(pairing, group):
            # The group number is an int: a number is never a formula, so it needs no guard.
            row = [str(group.number), guard(member.name), guard(member.email)]
            if pairing.has_roles:
                row.append(guard(member.role or ""))
            if explanations:
                row.append(guard(member.explanation or ""))
            writer.writerow(row)
    return out.getvalue()
