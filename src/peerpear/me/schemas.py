"""Bodies of ``/me`` and ``/me/profile``, with the profile's validation rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from peerpear.auth.schemas import Name, OptionalName
from peerpear.schemas_common import InputModel

MAX_HOBBIES = 20
MAX_HOBBY_LENGTH = 60
MAX_MAJOR_LENGTH = 200
MAX_BIO_LENGTH = 2000
# Class years further than this from today are typos, not students or alumni.
CLASS_YEAR_PAST = 80
CLASS_YEAR_FUTURE = 10

Hobby = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_HOBBY_LENGTH)
]


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

    class_year: int | None = Field(default=None, description="Graduation year, e.g. 2027.")
    major: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_MAJOR_LENGTH)] | None
    ) = None
    hobbies: list[Hobby] = Field(
        default_factory=list,
        max_length=MAX_HOBBIES,
        description=f"Up to {MAX_HOBBIES} short strings; duplicates (any case) are dropped.",
    )
    bio: str = Field(default="", max_length=MAX_BIO_LENGTH)

    @field_validator("class_year")
    @classmethod
    def _sensible_year(cls, value: int | None) -> int | None:
        if value is None:
            return None
        this_year = datetime.now(UTC).year
        low, high = this_year - CLASS_YEAR_PAST, this_year + CLASS_YEAR_FUTURE
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

    @field_validator("bio")
    @classmethod
    def _strip_bio(cls, value: str) -> str:
        return value.strip()


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    class_year: int | None = None
    major: str | None = None
    hobbies: list[str] = Field(default_factory=list)
    bio: str = ""
    updated_at: datetime | None = None
