"""The working pairing as a file to download: the rows read here, the formats in exports/.

The explanations exported are the ones stored on the rows when the pairing was last written
(adopted, edited, re-run or published), which are what students read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import Event, Organization
from peerpear.pairing import exports
from peerpear.pairing.state import load_state, require_pairing

ExportFormat = Literal["csv", "txt", "pdf"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str


async def export_pairing(
    db: AsyncSession, event: Event, fmt: ExportFormat, *, explanations: bool
) -> ExportFile:
    pairing = await require_pairing(db, event.id)
    state = await load_state(db, event.id, pairing)
    organization = await db.get_one(Organization, event.organization_id)
    groups = []
    for number, (group, members) in enumerate(state.grouped(), start=1):
        people = []
        for member in members:
            entry = state.people[member.registration_id]
            user, role = entry.user, entry.registration.role
            people.append(
                exports.ExportMember(
                    name=user.full_name or user.email,
                    email=user.email,
                    role=role.value if role is not None else None,
                    explanation=member.explanation,
                )
            )
        groups.append(exports.ExportGroup(number=number, members=people, locked=group.locked))
    data = exports.ExportPairing(
        event_title=event.title,
        organization=organization.name,
        published_at=pairing.published_at,
        generated_at=utcnow(),
        role_scheme=event.role_scheme.value,
        groups=groups,
    )
    if fmt == "pdf":
        # CPU-bound for large pairings (a second for a few thousand people): off the loop.
        content = await asyncio.to_thread(exports.to_pdf, data, explanations=explanations)
    elif fmt == "csv":
        content = ("\ufeff" + exports.to_csv(data, explanations=explanations)).encode()
    else:
        content = exports.to_txt(data, explanations=explanations).encode()
    return ExportFile(content, MEDIA_TYPES[fmt], f"event-{event.id}-groups.{fmt}")
