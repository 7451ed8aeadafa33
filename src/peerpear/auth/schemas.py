"""Request and response bodies of the sign-in endpoints, and the public view of a user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import email_validator
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from peerpear.models.user import EMAIL_LENGTH
from peerpear.schemas_common import InputModel, Text, TrimmedText

NAME_LENGTH = 100  # users.first_name / users.last_name
# Passwords are bounded so a megabyte "password" cannot be used to burn CPU in argon2.
MAX_PASSWORD_LENGTH = 1024

# email-validator refuses longer addresses (RFC 5321's limit), whatever the column could hold.
MAX_EMAIL_ADDRESS_LENGTH = min(EMAIL_LENGTH, 254)


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else f"\\{c}" for c in word)


# What email-validator refuses beyond JSON Schema's "email" format, stated as a pattern for the
# schema (email-validator does the checking): a domain of its special-use list (.test, .local,
# ...; any case), a domain without a dot, a local part over 64 characters or with an "@".
EMAIL_PATTERN = (
    "^(?![\\s\\S]*[.@](?:"
    + "|".join(_any_case(name) for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)
    + ")$)[^@]{1,64}@[^@]+\\.[^@]+$"
)

Name = Annotated[str, TrimmedText(min_length=1, max_length=NAME_LENGTH)]
OptionalName = Annotated[str, TrimmedText(max_length=NAME_LENGTH)]
# The sign-up minimum (PEERPEAR_MIN_PASSWORD_LENGTH) is checked by the service, and stated in
# the OpenAPI schema from the settings (peerpear.openapi).
Password = Annotated[str, Text(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class UserOut(BaseModel):
    """A user as the API shows them (to themself, and to admins of their organizations)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str
    is_platform_admin: bool
    email_verified_at: datetime | None = Field(
        default=None,
        description="When the address was confirmed (a link, a password reset, CAS); null: not "
        "yet, which blocks joining and registering where the server requires it.",
    )
    created_at: datetime


class SignupIn(InputModel):
    email: EmailStr = Field(
        max_length=MAX_EMAIL_ADDRESS_LENGTH, json_schema_extra={"pattern": EMAIL_PATTERN}
    )
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
    email: Annotated[str, Text(min_length=1, max_length=EMAIL_LENGTH)]
    password: Password


class TokenOut(BaseModel):
    """A new session: the bearer token (also set as the ``peerpear_session`` cookie)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: UserOut


# The token of an emailed link: 32 random bytes in URL-safe base64 (43 characters).
LinkToken = Annotated[str, Text(min_length=1, max_length=200)]


class VerifyEmailIn(InputModel):
    token: LinkToken = Field(description="The `token` of the confirmation link.")


class PasswordResetIn(InputModel):
    # A plain string: a malformed address gets the same answer as any other.
    email: Annotated[str, Text(min_length=1, max_length=EMAIL_LENGTH)]


class PasswordResetConfirmIn(InputModel):
    token: LinkToken = Field(description="The `token` of the reset link.")
    password: Password = Field(
        description="The new password: at least PEERPEAR_MIN_PASSWORD_LENGTH characters."
    )


class PasswordChangeIn(InputModel):
    current_password: Password
    new_password: Password = Field(description="At least PEERPEAR_MIN_PASSWORD_LENGTH characters.")


class AccountMessage(BaseModel):
    """What happened, in one sentence (the same for every address where it must not tell)."""

    message: str
