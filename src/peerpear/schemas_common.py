"""Schema pieces every feature shares: database ids, pagination, and the base of input bodies.

No FastAPI here (services import this module): the route parameters built on these, ``id_path``
and ``PageDep``, are in :mod:`peerpear.deps`.

- Ids are the database's 32-bit ``integer`` (PostgreSQL's ``serial``), so an id or an offset
  outside that range can never match a row; it is refused at the edge (422) instead of reaching
  the database, where PostgreSQL would fail on it.
- :class:`InputModel` is the base of every request body: unknown fields are refused, and no string
  anywhere in the body may contain a NUL character (PostgreSQL cannot store one in text).
- :class:`Text` and :class:`TrimmedText` are the string fields of request bodies: their limits are
  checked on the text as sent and stated in the OpenAPI schema as the server applies them (a
  ``pattern`` refuses NUL and, for trimmed text, too few characters besides whitespace).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Generic, TypeVar

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

T = TypeVar("T")

# The largest value of the database's integer primary keys (and of a sensible OFFSET).
MAX_DB_ID = 2**31 - 1
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


# A database id inside a request body (e.g. a list of ids).
DbIdField = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, the ``total`` matching rows, and the window used."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Pagination(BaseModel):
    limit: int
    offset: int


# Unicode White_Space, what text is trimmed of (pydantic's strip_whitespace too; str.strip()
# would also drop \x1c-\x1f), as a regular-expression class that reads the same in Python, Rust
# (pydantic's patterns) and ECMA-262 (JSON Schema's): no \s, whose meaning differs among them.
_WHITESPACE_CLASS = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"
_SPACE = f"[{_WHITESPACE_CLASS}]"
_VISIBLE = rf"[^\x00{_WHITESPACE_CLASS}]"  # neither whitespace nor NUL
_NOT_NUL = r"[^\x00]"
NO_NUL_PATTERN = f"^{_NOT_NUL}*$"
# Text sent already trimmed: at least one character, none of them NUL, no whitespace at either
# end (for values compared exactly, such as a question's options, where the schema's
# uniqueItems must mean what the server checks).
STRIPPED_PATTERN = f"^{_VISIBLE}(?:{_NOT_NUL}*{_VISIBLE})?$"


def _trimmed_pattern(min_length: int) -> str:
    """Text with at least ``min_length`` (0..2) characters left once trimmed, and no NUL."""
    if min_length == 0:
        return NO_NUL_PATTERN
    if min_length == 1:
        return f"^{_SPACE}*{_VISIBLE}{_NOT_NUL}*$"
    if min_length == 2:  # two visible characters, so at least two once trimmed (and vice versa)
        return f"^{_SPACE}*{_VISIBLE}{_NOT_NUL}*{_VISIBLE}{_SPACE}*$"
    raise ValueError("TrimmedText supports min_length 0, 1 or 2")


def _trim(value: str) -> str:
    return value.strip(WHITESPACE)


class Text(GroupedMetadata):
    """A string field of a request body: ``min_length``..``max_length`` characters, no NUL."""

    def __init__(self, *, max_length: int, min_length: int = 0) -> None:
        self.constraints = StringConstraints(
            min_length=min_length or None, max_length=max_length, pattern=NO_NUL_PATTERN
        )

    def __iter__(self) -> Iterator[Any]:
        yield self.constraints


class TrimmedText(GroupedMetadata):
    """Text whose surrounding whitespace is dropped: at most ``max_length`` characters as sent,
    at least ``min_length`` (0..2) once trimmed, no NUL. ``Annotated[str, TrimmedText(...)]``.
    """

    def __init__(self, *, max_length: int, min_length: int = 0) -> None:
        self.constraints = StringConstraints(
            max_length=max_length, pattern=_trimmed_pattern(min_length)
        )

    def __iter__(self) -> Iterator[Any]:
        yield self.constraints
        yield AfterValidator(_trim)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    return False


class InputModel(BaseModel):
    """Base of request bodies: extra fields are refused, and so is NUL in any string (422)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value
