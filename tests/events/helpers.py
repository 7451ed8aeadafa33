"""Shared arrangements for event tests: signed-in organizers and students, real images."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import MembershipRole, Organization, User
from tests.factories import add_member, auth_headers, create_organization, create_user


@dataclass
class Club:
    org: Organization
    owner: User
    member: User
    outsider: User
    owner_headers: dict[str, str]
    member_headers: dict[str, str]
    outsider_headers: dict[str, str]


async def make_club(session: AsyncSession) -> Club:
    owner = await create_user(session)
    org = await create_organization(session, owner)
    member = await create_user(session)
    await add_member(session, org, member, MembershipRole.MEMBER)
    outsider = await create_user(session)
    return Club(
        org=org,
        owner=owner,
        member=member,
        outsider=outsider,
        owner_headers=await auth_headers(session, owner),
        member_headers=await auth_headers(session, member),
        outsider_headers=await auth_headers(session, outsider),
    )


def image_bytes(
    fmt: str, size: tuple[int, int] = (32, 24), mode: str = "RGB", **save: Any
) -> bytes:
    image = Image.new(mode, size, (200, 30, 60) if mode == "RGB" else None)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()
