"""Request and response bodies of the sign-in endpoints, and the public view of a user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from peerpear.models.user import EMAIL_LENGTH
from peerpear.schemas_common import InputModel

NAME_LENGTH = 100  # users.first_name / users.last_name
# Passwords are bounded so a megabyte "password" cannot be used to burn CPU in argon2.
MAX_PASSWORD_LENGTH = 1024

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH)
]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_LENGTH)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class UserOut(BaseModel):
    """A user as the API shows them (to themself, and to admins of their organizations)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str
    is_platform_admin: bool
    created_at: datetime


class SignupIn(InputModel):
    email: EmailStr = Field(max_length=EMAIL_LENGTH)
    password: Password = Field(
        description="At least PEERPEAR_MIN_PASSWORD_LENGTH characters (default 10)."
    )
    first_name: Name
    last_name: OptionalName = ""


class SignupAccepted(BaseModel):
    """The answer to a sign-up: the same whether or not the address already had an account."""

    message: str


class LoginIn(InputModel):
    # A plain string, not EmailStr: a malformed address is just a wrong credential (401).
    email: str = Field(min_length=1, max_length=EMAIL_LENGTH)
    password: Password


class TokenOut(BaseModel):
    """A new session: the bearer token (also set as the ``peerpear_session`` cookie)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: UserOut
