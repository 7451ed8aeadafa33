"""Request and response bodies for organizations, members and admin requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from peerpear.models import AdminRequestStatus, MembershipRole
from peerpear.schemas_common import DbIdField, InputModel, Text, TrimmedText

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


# --- invites -----------------------------------------------------------------------------------

MAX_INVITE_USES = 100_000
MAX_INVITE_HOURS = 24 * 366

InviteStatus = Literal["active", "revoked", "expired", "used_up"]


class InviteCreate(InputModel):
    """Both optional: without them the code works until it is rotated or revoked."""

    expires_in_hours: Annotated[
        int | None,
        Field(ge=1, le=MAX_INVITE_HOURS, description="Stops working this many hours from now."),
    ] = None
    max_uses: Annotated[
        int | None,
        Field(ge=1, le=MAX_INVITE_USES, description="Stops working after this many joins."),
    ] = None


class InviteOut(BaseModel):
    """An invite as admins see it later: never the code, only its first characters."""

    id: int
    organization_id: int
    code_prefix: str = Field(description="The code's first characters, to tell invites apart.")
    status: InviteStatus
    created_at: datetime
    created_by_id: int | None
    rotated_at: datetime | None
    expires_at: datetime | None
    max_uses: int | None
    uses: int = Field(description="Members who joined with this invite.")
    revoked_at: datetime | None


class InviteWithCode(BaseModel):
    """The answer to creating or rotating an invite: the only time the code is shown."""

    invite: InviteOut
    code: str = Field(description="The secret code; shown once, only its hash is stored.")
    link: str = Field(description="A link carrying the code, to share with students.")


class JoinIn(InputModel):
    code: Annotated[str, TrimmedText(min_length=1, max_length=200)]


class JoinOut(BaseModel):
    organization: OrganizationOut
    joined: bool = Field(
        description="False when the caller was already a member (their role is kept)."
    )


# --- adding members by email -------------------------------------------------------------------

MAX_EMAILS_PER_REQUEST = 500
EmailText = Annotated[str, Text(max_length=320)]


class MembersAdd(InputModel):
    """Addresses to add as members; each is reported (added, already a member, invalid, ...)."""

    emails: Annotated[list[EmailText], Field(min_length=1, max_length=MAX_EMAILS_PER_REQUEST)]


AddResult = Literal["added", "already_member", "duplicate", "invalid"]


class MemberAddRow(BaseModel):
    row: int = Field(description="Position in the list (from 1), or the CSV file's row number.")
    email: str = Field(description="The address as given (trimmed), or as stored when valid.")
    result: AddResult
    reason: str | None = Field(description="Why a row is invalid or a duplicate.")
    user_id: int | None
    account_created: bool = Field(
        description="A new account was made (an invitation: no password; CAS links it by email)."
    )


class MemberAddReport(BaseModel):
    added: int
    already_member: int
    duplicate: int
    invalid: int
    accounts_created: int
    rows: list[MemberAddRow]
