"""Request and response bodies for organizations, members and admin requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from peerpear.models import AdminRequestStatus, MembershipRole
from peerpear.schemas_common import DbIdField, InputModel, TrimmedText

OrgName = Annotated[str, TrimmedText(min_length=2, max_length=200)]
Description = Annotated[str, TrimmedText(max_length=5000)]
Message = Annotated[str, TrimmedText(max_length=2000)]


# --- organizations -----------------------------------------------------------------------------


class OrganizationCreate(InputModel):
    name: OrgName
    description: Description = ""


class OrganizationUpdate(InputModel):
    """Fields to change; omitted fields stay. The slug stays stable on rename, so links keep
    working."""

    # Optional only so they may be left out; an explicit null is refused (and not offered by
    # the schema: SkipJsonSchema leaves the None out of it).
    name: OrgName | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None

    @field_validator("name", "description")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value


class OrganizationCard(BaseModel):
    """What anyone signed in may know about an organization (the joinable list)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    description: str


class JoinableOrganization(OrganizationCard):
    has_pending_request: bool


class OrganizationOut(OrganizationCard):
    """An organization as its members see it, with the caller's role."""

    created_at: datetime
    my_role: MembershipRole


# --- members -----------------------------------------------------------------------------------


class MemberOut(BaseModel):
    user_id: int
    email: str
    first_name: str
    last_name: str
    role: MembershipRole
    joined_at: datetime


class MemberRoleUpdate(InputModel):
    role: MembershipRole


# --- admin requests ----------------------------------------------------------------------------


class AdminRequestCreate(InputModel):
    message: Message = ""


class Requester(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str


class AdminRequestOut(BaseModel):
    id: int
    organization_id: int
    status: AdminRequestStatus
    message: str
    created_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None
    requester: Requester


class BulkAdminRequestCreate(InputModel):
    organization_ids: Annotated[list[DbIdField], Field(min_length=1, max_length=100)]
    message: Message = ""

    @field_validator("organization_ids")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


SkipReason = Literal["not_found", "already_admin", "already_pending"]


class BulkAdminRequestItem(BaseModel):
    organization_id: int
    result: Literal["created", "skipped"]
    reason: SkipReason | None = None
    request: AdminRequestOut | None = None


class BulkAdminRequestResult(BaseModel):
    created: int
    skipped: int
    items: list[BulkAdminRequestItem]
