"""The API answers as its OpenAPI document says: schemathesis generates requests from the
document the app serves and checks every answer against it.

Each operation gets valid requests (positive mode) and invalid ones (negative mode) from the
examples, coverage (boundary values, missing and wrong-typed fields, undeclared methods) and
fuzzing phases, sent in-process to the app as a signed-in user who owns one organization, is an
admin of another, and is not in a third, with a pending admin request to decide, against a small
fake CAS server. Every check that applies is on:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: every status is documented for the operation;
- ``content_type_conformance``, ``response_schema_conformance``, ``response_headers_conformance``:
  bodies, media types and required headers (``Retry-After``, ``Location``, ...) as documented;
- ``positive_data_acceptance``: a request the schema allows is not refused with 400/422 (the
  schema allows what the server refuses); 415 is accepted for image uploads whose bytes are
  not an image (see ``contract_schema``); ``negative_data_rejection``: a request the schema
  refuses is refused (the server accepts what the schema refuses);
- ``unsupported_method`` and ``allow_header_conformance``: an undeclared method answers 405 with
  an ``Allow`` header listing the documented methods;
- ``ignored_auth``: an operation that declares authentication refuses requests without it;
- ``missing_required_header``, ``use_after_free``, ``ensure_resource_availability``: on too,
  though nothing here declares a required header or a deletable resource with a later read;
- ``object_level_authorization`` (in recent schemathesis) does nothing without a second
  identity configured, and ``max_response_time`` without a limit: neither is set (the
  authorization matrix in ``tests/authz`` covers cross-user access; speed is measured by
  benchmarks, never by unit tests).

Generation is deterministic (fixed seed, no example database) and bounded (``MAX_EXAMPLES``
per operation in the fuzzing phase; the coverage phase adds its fixed set).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerpear.main import create_app
from peerpear.models import EventStatus, MembershipRole, PairingRun, QuestionType, RunStatus
from peerpear.schemas_common import MAX_DB_ID
from tests.auth.fake_cas import FakeCas, running_fake_cas
from tests.authz.matrix import MATRIX, VARIANTS
from tests.authz.test_matrix import CAS_SETTINGS
from tests.authz.world import PERSONAS
from tests.conftest import make_settings
from tests.factories import (
    add_member,
    auth_headers,
    create_admin_request,
    create_event,
    create_invite,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.pairing.helpers import place_directly, stored_run

MAX_EXAMPLES = 25
SEED = 20260701
# An id no row has: the 404 answers.
MISSING_ID = 999_999


@dataclass
class ContractWorld:
    headers: dict[str, str]
    # The ids a generated path parameter is mapped onto (see _real_ids).
    ids: dict[str, list[int]]


@pytest.fixture
async def contract_world(db_engine: AsyncEngine, session: AsyncSession) -> ContractWorld:
    me = await create_user(session, first_name="Caller")
    member = await create_user(session, first_name="Member")
    other = await create_user(session, first_name="Other")
    stranger = await create_user(session, first_name="Stranger")
    mine = await create_organization(session, me, "Contract Club")  # owner: 200, 204, 409
    await add_member(session, mine, member, MembershipRole.ADMIN)
    theirs = await create_organization(session, other, "Their Club")  # not a member: 404
    helped = await create_organization(session, other, "Helped Club")  # admin: 403 for owners'
    await add_member(session, helped, me, MembershipRole.ADMIN)
    pending = await create_admin_request(session, mine, stranger, message="let me help")
    elsewhere = await create_admin_request(session, theirs, stranger)
    invite, _ = await create_invite(session, mine)
    their_invite, _ = await create_invite(session, theirs)
    # Events: my draft (everything editable), my open one (questionnaire frozen), one of an org
    # I am not in (404) and one where I am an admin; a question in each of mine.
    draft = await create_event(session, mine)
    opened = await create_event(session, mine, status=EventStatus.OPEN)
    hidden = await create_event(session, theirs, status=EventStatus.OPEN)
    helping = await create_event(session, helped, status=EventStatus.CLOSED)
    draft_q = await create_question(session, draft)
    open_q = await create_question(session, opened, type=QuestionType.SCALE)
    # Registrations: mine in my open event (the routes about "my registration" answer 200),
    # another admin's there (PATCH by an owner: 200), and one in an event I cannot see (404).
    await create_registration(session, opened, me)
    theirs_registered = await create_registration(session, opened, member)
    hidden_registration = await create_registration(session, hidden, other)
    # Pairing runs: a queued one of my open event (cancel: 200), one of an event I cannot see.
    queued_run = PairingRun(event_id=opened.id, status=RunStatus.QUEUED, parameters={})
    hidden_run = PairingRun(event_id=hidden.id, status=RunStatus.QUEUED, parameters={})
    session.add_all([queued_run, hidden_run])
    await session.commit()
    # My closed event with a succeeded run adopted as its working pairing (two pairs): reading
    # the pairing answers 200 there, and my-group 409 (not published), until an operation run
    # earlier (archive) has changed the event.
    paired = await create_event(session, mine, status=EventStatus.CLOSED)
    people = [me, member, await create_user(session), await create_user(session)]
    registered = [await create_registration(session, paired, u, is_complete=True) for u in people]
    pairs = [registered[:2], registered[2:]]
    succeeded_run = await stored_run(session, paired, pairs)
    await place_directly(session, paired, pairs, run=succeeded_run)
    return ContractWorld(
        headers=await auth_headers(session, me),
        ids={
            "org_id": [mine.id, theirs.id, helped.id, MISSING_ID],
            "user_id": [me.id, member.id, other.id, MISSING_ID],
            "request_id": [pending.id, elsewhere.id, MISSING_ID],
            "invite_id": [invite.id, their_invite.id, MISSING_ID],
            "event_id": [draft.id, opened.id, hidden.id, helping.id, paired.id, MISSING_ID],
            "question_id": [draft_q.id, open_q.id, MISSING_ID],
            "registration_id": [theirs_registered.id, hidden_registration.id, MISSING_ID],
            "run_id": [queued_run.id, hidden_run.id, succeeded_run.id, MISSING_ID],
        },
    )


@pytest.fixture
def cas_server() -> Iterator[FakeCas]:
    with running_fake_cas() as server:
        yield server


@pytest.fixture
def contract_app(database_url: str, contract_world: ContractWorld, cas_server: FakeCas) -> FastAPI:
    settings = make_settings(
        database_url,
        cas_server_url=cas_server.base_url,
        # Low throttling limits: the 429 answers are reached, and few requests pay for argon2.
        signup_max_per_address=3,
        login_max_failures_per_address=5,
    )
    return create_app(settings)


def also_accepting(method: str, path: str, *statuses: str) -> dict[str, Any]:
    """A schemathesis operation entry: the one operation ``method path`` may also answer
    ``statuses`` to a schema-valid request (besides the defaults of positive_data_acceptance).

    It is selected by name ("METHOD path"): one filter. Separate ``include-path`` and
    ``include-method`` filters are OR-ed by schemathesis, so such an entry would apply to every
    operation with that method (it did, before: every PUT accepted 415, every POST 422).
    """
    expected = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", *statuses]
    return {
        "include-name": f"{method} {path}",
        "checks": {"positive_data_acceptance": {"expected-statuses": expected}},
    }


ACCEPTANCE_EXCEPTIONS = [
    # An uploaded file is any bytes to a schema: whether it is a UTF-8 CSV with the columns the
    # route needs is checked by the server (422 with the reason), which no schema can state.
    also_accepting("POST", "/api/v1/organizations/{org_id}/members/import", "422"),
    # An event image must be bytes that decode as PNG, JPEG or WebP, which no schema can state:
    # generated files are refused with the documented 415 (tests/events/test_images.py uploads
    # real ones).
    also_accepting("PUT", "/api/v1/events/{event_id}/image", "415"),
    # The same for a form export to import into an event: whether the bytes are a UTF-8 CSV
    # with an email column (and, in a big/little or mentoring event, a role column), and whether
    # a named email_column or role_column is one of its headers.
    also_accepting("POST", "/api/v1/events/{event_id}/import", "422"),
    # Bodies checked against the event's own data, which its schema cannot know: a role must be
    # one of the event's role scheme, an answer must fit its question's type, options and
    # bounds, and the people named in avoid lists and pair rules must be registered for the
    # event. A schema-valid body that fails those answers 422 with the reason;
    # tests/registrations shows each one.
    also_accepting("POST", "/api/v1/events/{event_id}/registration", "422"),
    also_accepting("PUT", "/api/v1/events/{event_id}/registration/answers", "422"),
    also_accepting("PUT", "/api/v1/events/{event_id}/registration/avoid", "422"),
    also_accepting("PATCH", "/api/v1/registrations/{registration_id}", "422"),
    also_accepting("PUT", "/api/v1/events/{event_id}/pair-rules", "422"),
    # A run's question overrides must name questions of the event, and min_size must not
    # exceed max_size (a rule between two fields that no schema states).
    also_accepting("POST", "/api/v1/events/{event_id}/pairing-runs", "422"),
    # The run to adopt must be a run of the event, and an edit must name registrations of the
    # event (placed ones, to unplace or swap) and groups of its pairing; tests/pairing shows
    # each refusal.
    also_accepting("PUT", "/api/v1/events/{event_id}/pairing", "422"),
    also_accepting("POST", "/api/v1/events/{event_id}/pairing/edits", "422"),
    also_accepting("POST", "/api/v1/events/{event_id}/pairing/rerun", "422"),
    # An emailed link's token is any string to a schema; only one the server sent, unused and
    # unexpired, works (422 on `token` otherwise), and the current password must be the
    # account's own (422 on `current_password`): tests/mail shows each.
    also_accepting("POST", "/api/v1/auth/verify-email", "422"),
    also_accepting("POST", "/api/v1/auth/password-reset/confirm", "422"),
    also_accepting("POST", "/api/v1/auth/password", "422"),
]


@pytest.fixture
def contract_schema(contract_app: FastAPI) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
            "operations": ACCEPTANCE_EXCEPTIONS,
        }
    )
    # Loading validates the document against the OpenAPI 3.1 meta-schema.
    return schemathesis.openapi.from_asgi("/openapi.json", contract_app, config=config)


schema = schemathesis.pytest.from_fixture("contract_schema")


def _real_ids(path_parameters: dict[str, Any], world: ContractWorld) -> dict[str, Any]:
    """Map each valid generated id onto one of the world's (or the missing one), so that the
    generator reaches the 200/403/404/409 answers instead of 404 for every random id. Invalid
    values (negative mode: out of range, not a number) are left as they are."""
    mapped = dict(path_parameters)
    for name, value in path_parameters.items():
        ids = world.ids.get(name)
        if isinstance(value, str) and value.isdecimal():
            value = int(value)
        if ids and isinstance(value, int) and 1 <= value <= MAX_DB_ID:
            mapped[name] = ids[(value - 1) % len(ids)]  # 1 (the usual boundary) is the first
    return mapped


@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case: Any, contract_world: ContractWorld) -> None:
    if case.path_parameters:
        case.path_parameters = _real_ids(case.path_parameters, contract_world)
    headers = contract_world.headers
    if case.path.endswith("/auth/logout"):
        # Signing out would end the session every other request uses.
        headers = {"Authorization": "Bearer not-a-session"}
    case.call_and_validate(headers=headers)


async def test_served_document_is_valid_openapi_3_1(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    served = await client.get("/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document == app.openapi()
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)
    # The server never answers FastAPI's default validation-error shape; every error is ours.
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == error_ref
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= operation["responses"].keys(), (method, path)
            if path.startswith("/api/"):
                # an exhausted pool or a locked SQLite file (tests/auth/test_signin_burst.py)
                assert "Retry-After" in operation["responses"]["503"]["headers"], (method, path)


def test_every_status_of_the_authorization_matrix_is_documented() -> None:
    """What each persona gets (tests/authz: 401 anonymous, 403, 404, 409, ...) is documented
    for the operation, whatever the generator happened to reach."""
    document = create_app(make_settings("sqlite://", **CAS_SETTINGS)).openapi()
    cases = [*((m, p, c) for (m, p), c in MATRIX.items()), *VARIANTS]
    cases = [(m, p, c) for m, p, c in cases if not c.page]  # the console is not in the document
    undocumented = [
        f"{method} {path}: {status}"
        for method, path, case in cases
        for status in {case.expected(persona) for persona in PERSONAS}
        if str(status) not in document["paths"][path][method.lower()]["responses"]
    ]
    assert not undocumented
