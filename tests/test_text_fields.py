"""The documented limits of text fields are the ones the server applies.

For each body model, a value is valid by its JSON Schema (what clients and schemathesis read)
exactly when the model accepts it: whitespace-only or too short once trimmed, NUL, too long as
sent, or null where the field may only be left out.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, StringConstraints, ValidationError

from peerpear.auth.schemas import SignupIn
from peerpear.me.schemas import MePatch, ProfileIn
from peerpear.organizations.schemas import AdminRequestCreate, OrganizationUpdate
from peerpear.schemas_common import WHITESPACE

# (model, field, a valid body the field is put into)
FIELDS: list[tuple[type[BaseModel], str, dict[str, Any]]] = [
    (SignupIn, "first_name", {"email": "a@example.edu", "password": "p" * 12}),
    (SignupIn, "last_name", {"email": "a@example.edu", "password": "p" * 12, "first_name": "A"}),
    (MePatch, "first_name", {}),
    (ProfileIn, "hobbies", {}),
    (ProfileIn, "major", {}),
    (ProfileIn, "bio", {}),
    (OrganizationUpdate, "name", {}),
    (OrganizationUpdate, "description", {}),
    (AdminRequestCreate, "message", {}),
]
SPECIAL = ["\x00", "\x1c", "\x1f", "\ufeff", "\u200b", "a", "b", "é"]
short_text = st.text(alphabet=st.sampled_from([*WHITESPACE, *SPECIAL]), max_size=6)


@cache
def _validator(model: type[BaseModel]) -> Any:
    return jsonschema_rs.validator_for(model.model_json_schema())


def _documented(model: type[BaseModel], body: dict[str, Any]) -> bool:
    return bool(_validator(model).is_valid(body))


def _accepted(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


def _check(model: type[BaseModel], field: str, base: dict[str, Any], value: Any) -> None:
    body = {**base, field: [value] if field == "hobbies" and value is not None else value}
    assert _documented(model, body) == _accepted(model, body), (model.__name__, field, body)


@pytest.mark.parametrize(("model", "field", "base"), FIELDS)
@given(value=short_text)
def test_short_text_documented_as_accepted(
    model: type[BaseModel], field: str, base: dict[str, Any], value: str
) -> None:
    _check(model, field, base, value)


@pytest.mark.parametrize(("model", "field", "base"), FIELDS)
@given(padding=st.text(alphabet=st.sampled_from(WHITESPACE), max_size=4), extra=st.integers(-2, 2))
def test_length_limit_applies_to_the_text_as_sent(
    model: type[BaseModel], field: str, base: dict[str, Any], padding: str, extra: int
) -> None:
    schema = model.model_json_schema()["properties"][field]
    branch = schema.get("items") or next(
        (b for b in schema.get("anyOf", [schema]) if b.get("type") == "string"), schema
    )
    limit = branch["maxLength"]
    _check(model, field, base, padding + "a" * (limit + extra - len(padding)))


@pytest.mark.parametrize(("model", "field", "base"), FIELDS)
def test_null_documented_as_accepted(
    model: type[BaseModel], field: str, base: dict[str, Any]
) -> None:
    _check(model, field, base, None)


class _Stripped(BaseModel):
    value: Annotated[str, StringConstraints(strip_whitespace=True)]


def test_whitespace_is_what_pydantic_trims() -> None:
    """WHITESPACE (the schemas' patterns) is the set pydantic's strip_whitespace drops."""
    trimmed = {chr(c) for c in range(0x3001) if _Stripped(value=chr(c) + "a").value == "a"}
    assert trimmed == set(WHITESPACE)
