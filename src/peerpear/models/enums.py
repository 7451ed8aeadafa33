"""The closed vocabularies of the domain, and how they are stored.

Every enum is a ``StrEnum`` stored as its *value* in a VARCHAR with a CHECK constraint
(``native_enum=False``), never as a PostgreSQL ``CREATE TYPE``: SQLite and PostgreSQL then behave
the same, and adding a value later is a CHECK change instead of an ``ALTER TYPE`` that cannot run
inside a transaction. ``validate_strings=True`` makes SQLAlchemy reject an unknown string before
it reaches the database.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum

# Wide enough for every value below and for values added later without a column resize.
ENUM_LENGTH = 32


def enum_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """A portable string enum column type; ``name`` names its CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=ENUM_LENGTH,
        # Store "big_little", not the member name "BIG_LITTLE".
        values_callable=lambda members: [member.value for member in members],
    )


class IdentityProvider(StrEnum):
    LOCAL = "local"
    CAS = "cas"


class MembershipRole(StrEnum):
    """Highest first: owners run the organization, admins its events, members are its students."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class AdminRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


class EventStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class EventVisibility(StrEnum):
    PUBLIC = "public"
    MEMBERS_ONLY = "members_only"


class RoleScheme(StrEnum):
    NONE = "none"
    BIG_LITTLE = "big_little"
    MENTOR = "mentor"


class QuestionType(StrEnum):
    TEXT = "text"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    SCALE = "scale"


class QuestionMode(StrEnum):
    SIMILAR = "similar"
    DIFFERENT = "different"


class RegistrationRole(StrEnum):
    BIG = "big"
    LITTLE = "little"
    EITHER = "either"
    MENTOR = "mentor"
    MENTEE = "mentee"


class SummaryStatus(StrEnum):
    """State of the background LLM summary of a registration (NULL: never requested)."""

    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class PairRuleKind(StrEnum):
    MUST_PAIR = "must_pair"
    NEVER_PAIR = "never_pair"
    # A student's private "please don't pair me with": directional (user_a asked about user_b).
    AVOID = "avoid"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


# A run in one of these has ended: it will not change again.
FINISHED_RUN_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})


class RunStrategy(StrEnum):
    OPTIMIZER = "optimizer"
    LLM = "llm"
