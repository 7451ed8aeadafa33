"""An event's analytics (admins): exact totals, days, roles and per-question summaries on a
hand-built event, an event nobody registered for, a fixed number of statements whatever the
event's size, a registration made while counting, and admins only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import httpx
import jsonschema_rs
from fastapi import FastAPI
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Answer, Registration, RoleScheme
from peerpear.registrations import analytics
from tests.factories import create_user
from tests.registrations.helpers import Program, Student, make_program

# The statements one analytics request may run through the engine: the event and the caller's
# membership (the admin check), then the questions, the registrations and the answers. (The
# session lookup runs on the raw reader and is not counted.)
MAX_STATEMENTS = 5


async def _register(
    client: httpx.AsyncClient,
    program: Program,
    student: Student,
    answers: dict[str, Any],
    role: str | None = None,
) -> None:
    body = {} if role is None else {"role": role}
    resp = await client.post(program.url + "/registration", json=body, headers=student.headers)
    assert resp.status_code == 201, resp.text
    if answers:
        saved = await client.put(
            program.url + "/registration/answers",
            json={"answers": answers},
            headers=student.headers,
        )
        assert saved.status_code == 200, saved.text


async def _set_created(session: AsyncSession, student: Student, moment: datetime) -> None:
    await session.execute(
        update(Registration)
        .where(Registration.user_id == student.user.id)
        .values(created_at=moment)
    )
    await session.commit()


async def _assert_documented(client: httpx.AsyncClient, body: Any) -> None:
    """``body`` is valid by the served OpenAPI document's 200 schema of the route (the contract
    test's world has no answers, so it never sees a day, a mean or a word)."""
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/events/{event_id}/analytics"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema_rs.validator_for({**schema, "components": document["components"]}).validate(body)


async def test_analytics_of_a_hand_built_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=4)
    single, multi, scale, text = (
        str(q.id) for q in (program.single, program.multi, program.scale, program.text)
    )
    s0, s1, s2, s3 = program.students
    await _register(
        client,
        program,
        s0,
        {single: "Tea", multi: ["Hiking"], scale: 1, text: "I like trail running, and RUNNING!"},
    )
    await _register(
        client,
        program,
        s1,
        {
            single: "Coffee",
            multi: ["Gaming", "Cooking"],
            scale: 4,
            text: "Running with my dog; the dog likes parks.",
        },
    )
    # No scale answer: incomplete. Eleven words once each, and what is not a word of 3+ letters.
    many = "Zebra yak xylophone walrus vulture umbrella tiger salmon quail python opera 42 it's"
    await _register(client, program, s2, {single: "Tea", multi: ["Hiking", "Cooking"], text: many})
    await _register(client, program, s3, {single: "Coffee"})
    # Two on March 1st (UTC); s2's evening in UTC-5 is March 3rd in UTC, like s3.
    await _set_created(session, s0, datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    await _set_created(session, s1, datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    await _set_created(
        session, s2, datetime(2026, 3, 2, 19, 15, tzinfo=timezone(timedelta(hours=-5)))
    )
    await _set_created(session, s3, datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    # Another event's answers must not count here.
    other = await make_program(session, students=1)
    await _register(client, other, other.students[0], other.complete_answers())

    resp = await client.get(program.url + "/analytics", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text
    await _assert_documented(client, resp.json())
    nothing = {"options": None, "histogram": None, "mean": None, "top_words": None}
    assert resp.json() == {
        "event_id": program.event.id,
        "registrations": 4,
        "complete": 2,
        "registrations_over_time": [
            {"date": "2026-03-01", "count": 2, "cumulative": 2},
            {"date": "2026-03-03", "count": 2, "cumulative": 4},
        ],
        "roles": [],
        "questions": [
            {
                "question_id": program.single.id,
                "prompt": program.single.prompt,
                "type": "single_choice",
                "answered": 4,
                "response_rate": 1.0,
                **nothing,
                "options": [{"option": "Tea", "count": 2}, {"option": "Coffee", "count": 2}],
            },
            {
                "question_id": program.multi.id,
                "prompt": "Hobbies?",
                "type": "multi_choice",
                "answered": 3,
                "response_rate": 0.75,
                **nothing,
                "options": [
                    {"option": "Hiking", "count": 2},
                    {"option": "Gaming", "count": 1},
                    {"option": "Cooking", "count": 2},
                ],
            },
            {
                "question_id": program.scale.id,
                "prompt": "How outgoing?",
                "type": "scale",
                "answered": 2,
                "response_rate": 0.5,
                **nothing,
                "histogram": [
                    {"value": 1, "count": 1},
                    {"value": 2, "count": 0},
                    {"value": 3, "count": 0},
                    {"value": 4, "count": 1},
                    {"value": 5, "count": 0},
                ],
                "mean": 2.5,
            },
            {
                "question_id": program.text.id,
                "prompt": "About you",
                "type": "text",
                "answered": 3,
                "response_rate": 0.75,
                **nothing,
                # "and", "with", "the" are stop words; "my", "it", "s" too short; "42" no word.
                # Ten at most: the count-1 words alphabetically up to "tiger".
                "top_words": [
                    {"word": "running", "count": 3},
                    {"word": "dog", "count": 2},
                    {"word": "like", "count": 1},
                    {"word": "likes", "count": 1},
                    {"word": "opera", "count": 1},
                    {"word": "parks", "count": 1},
                    {"word": "python", "count": 1},
                    {"word": "quail", "count": 1},
                    {"word": "salmon", "count": 1},
                    {"word": "tiger", "count": 1},
                ],
            },
        ],
    }


async def test_role_balance_of_a_big_little_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=3, role_scheme=RoleScheme.BIG_LITTLE)
    for student, role in zip(program.students, ["big", "little", "little"], strict=True):
        await _register(client, program, student, {}, role=role)
    resp = await client.get(program.url + "/analytics", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text
    # Every role of the scheme in a fixed order, "either" with nobody in it included.
    assert resp.json()["roles"] == [
        {"role": "big", "count": 1},
        {"role": "little", "count": 2},
        {"role": "either", "count": 0},
    ]


async def test_an_event_nobody_registered_for(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=0, role_scheme=RoleScheme.MENTOR)
    resp = await client.get(program.url + "/analytics", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["registrations"], body["complete"], body["registrations_over_time"]) == (0, 0, [])
    assert body["roles"] == [{"role": "mentor", "count": 0}, {"role": "mentee", "count": 0}]
    single, multi, scale, text = body["questions"]
    for question in body["questions"]:
        assert (question["answered"], question["response_rate"]) == (0, 0.0)
    assert [o["count"] for o in single["options"]] == [0, 0]
    assert [o["count"] for o in multi["options"]] == [0, 0, 0]
    assert scale["histogram"] == [{"value": v, "count": 0} for v in range(1, 6)]
    assert scale["mean"] is None
    assert text["top_words"] == []


async def _event_with(session: AsyncSession, registrations: int) -> Program:
    """An event with ``registrations`` complete registrations, written directly."""
    program = await make_program(session, students=0)
    for n in range(registrations):
        user = await create_user(session)
        registration = Registration(event_id=program.event.id, user_id=user.id, is_complete=True)
        session.add(registration)
        await session.flush()
        session.add_all(
            Answer(registration_id=registration.id, question_id=int(key), value=value)
            for key, value in program.complete_answers(n).items()
        )
    await session.commit()
    return program


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The statements the app sends through its engine (the session lookup goes through the
    raw reader, not the engine, so it is not among them)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_number_of_statements_does_not_grow_with_the_event(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    counts = []
    for size in (3, 30):
        program = await _event_with(session, size)
        with statements(app) as seen:
            resp = await client.get(program.url + "/analytics", headers=program.club.owner_headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["registrations"] == size
        assert resp.json()["questions"][0]["answered"] == size
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert 0 < counts[0] <= MAX_STATEMENTS, counts


class _WritesBetween:
    """A session that lets ``between`` run right after its first ``execute`` (the analytics'
    registrations), as a request on another connection may."""

    def __init__(self, db: AsyncSession, between: Callable[[], Awaitable[None]]) -> None:
        self.db, self.between, self.executed = db, between, 0

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return await self.db.scalars(*args, **kwargs)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        result = await self.db.execute(*args, **kwargs)
        self.executed += 1
        if self.executed == 1:
            await self.between()
        return result


async def test_a_registration_made_while_counting_is_left_out(
    app: FastAPI, session: AsyncSession
) -> None:
    program = await _event_with(session, 2)

    async def someone_registers_and_answers() -> None:
        user = await create_user(session)
        late = Registration(event_id=program.event.id, user_id=user.id, is_complete=True)
        session.add(late)
        await session.flush()
        session.add(Answer(registration_id=late.id, question_id=program.single.id, value="Tea"))
        await session.commit()

    # The read session a GET gets: no transaction, so each statement sees the latest commits.
    async with app.state.read_sessionmaker() as db:
        racing = _WritesBetween(db, someone_registers_and_answers)
        result = await analytics.event_analytics(cast(AsyncSession, racing), program.event)
    assert racing.executed == 2
    assert result.registrations == 2
    single = result.questions[0]
    assert (single.answered, single.response_rate) == (2, 1.0)
    assert single.options is not None and sum(o.count for o in single.options) == 2


async def test_only_the_organizations_admins_see_analytics(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=1)
    url = program.url + "/analytics"
    for headers in (program.club.member_headers, program.students[0].headers):
        resp = await client.get(url, headers=headers)
        assert resp.status_code == 403, resp.text
        assert resp.json()["error"]["code"] == "forbidden"
    # The event is members-only: someone outside the organization cannot even see it.
    outsider = await client.get(url, headers=program.club.outsider_headers)
    assert outsider.status_code == 404
