"""Bodies of ``/me`` and ``/me/profile``, with the profile's validation rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from peerpear.auth.schemas import Name, OptionalName
from peerpear.schemas_common import InputModel, TrimmedText

MAX_HOBBIES = 20
MAX_HOBBY_LENGTH = 60
MAX_MAJOR_LENGTH = 200
MAX_BIO_LENGTH = 2000
# Class years further than this from today are typos, not students or alumni.
CLASS_YEAR_PAST = 80
CLASS_YEAR_FUTURE = 10

Hobby = Annotated[str, TrimmedText(min_length=1, max_length=MAX_HOBBY_LENGTH)]


def class_year_range() -> tuple[int, int]:
    """The class years accepted today (moves with the calendar)."""
    this_year = datetime.now(UTC).year
    return this_year - CLASS_YEAR_PAST, this_year + CLASS_YEAR_FUTURE


def _document_class_year(schema: dict[str, Any]) -> None:
    # The range moves with the year, so it is checked by a validator; state it in the schema
    # as of when the schema is built.
    low, high = class_year_range()
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            branch.update(minimum=low, maximum=high)


class MePatch(InputModel):
    """Change your name. Email is the sign-in key and cannot be changed here (422)."""

    first_name: Name | None = None
    last_name: OptionalName | None = None

    @model_validator(mode="before")
    @classmethod
    def _email_is_fixed(cls, data: object) -> object:
        if isinstance(data, dict) and "email" in data:
            raise ValueError("email cannot be changed: it is how you sign in")
        return data


class ProfileIn(InputModel):
    """The whole profile (PUT replaces it); every field is optional."""

    class_year: int | None = Field(
        default=None,
        description="Graduation year, e.g. 2027.",
        json_schema_extra=_document_class_year,
    )
    major: Annotated[str, TrimmedText(max_length=MAX_MAJOR_LENGTH)] | None = None
    hobbies: list[Hobby] = Field(
        default_factory=list,
        max_length=MAX_HOBBIES,
        description=f"Up to {MAX_HOBBIES} short strings; duplicates (any case) are dropped.",
    )
    bio: Annotated[str, TrimmedText(max_length=MAX_BIO_LENGTH)] = ""

    @field_validator("class_year")
    @classmethod
    def _sensible_year(cls, value: int | None) -> int | None:
        if value is None:
            return None
        low, high = class_year_range()
        if not low <= value <= high:
            raise ValueError(f"class year must be between {low} and {high}")
        return value

    @field_validator("major")
    @classmethod
    def _blank_major_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("hobbies")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        unique: list[str] = []
        for hobby in value:
            if hobby.casefold() not in seen:
                seen.add(hobby.casefold())
                unique.append(hobby)
        return unique


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    class_year: int | None = None
    major: str | None = None
    hobbies: list[str] = Field(default_factory=list)
    bio: str = ""
    updated_at: datetime | None = None
