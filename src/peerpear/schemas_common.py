"""Schema pieces every feature shares: database ids, pagination, and the base of input bodies.

- Ids are the database's 32-bit ``integer`` (PostgreSQL's ``serial``), so an id or an offset
  outside that range can never match a row; it is refused at the edge (422) instead of reaching
  the database, where PostgreSQL would fail on it.
- :class:`InputModel` is the base of every request body: unknown fields are refused, and no string
  anywhere in the body may contain a NUL character (PostgreSQL cannot store one in text).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

# The largest value of the database's integer primary keys (and of a sensible OFFSET).
MAX_DB_ID = 2**31 - 1
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def id_path(description: str) -> Any:
    """A path parameter holding a database id: 1 .. 2**31-1, else 422.

    Use as ``Annotated[int, id_path("The thing's id.")]``.
    """
    return Path(ge=1, le=MAX_DB_ID, description=description)


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


async def pagination(
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (max 200).")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID, description="Rows to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


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
