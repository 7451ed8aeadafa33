"""Importing registrations: how a form export's columns meet the event: questions made from
the header when it has none (typed within our limits), roles in a mentoring event, the email and
role columns named by the caller, and answers the API would refuse."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.engine.csv_questions import QuestionColumn
from peerpear.models import (
    Event,
    EventStatus,
    EventVisibility,
    Question,
    QuestionType,
    RegistrationRole,
    RoleScheme,
)
from peerpear.registrations.import_columns import new_question
from tests.registrations.import_helpers import (
    make_forms,
    member_emails,
    registered,
    upload,
)

MICROSOFT_FORM = (
    "ID,Start time,Completion time,Email,Name,Favourite drink,Hobbies,Energy level,GPA,"
    "Graduation year,About you\n"
    "1,9/1/26 10:01:02,9/1/26 10:03:10,ana@example.edu,Ana Lima,Tea,Hiking;Gaming,3,3.5,2027,"
    "Loves hiking in the mountains every weekend with friends\n"
    "2,9/1/26 10:04:40,9/1/26 10:06:00,ben@example.edu,Ben Okafor,Coffee,Gaming;Cooking,5,3.9,"
    "2028,\n"
    "3,9/1/26 11:14:00,9/1/26 11:15:30,cy@example.edu,Cy,Tea,hiking,1,2.8,2027,\n"
    "4,9/2/26 08:00:00,9/2/26 08:02:12,dee@example.edu,Dee Roy,Coffee,Cooking;Hiking,4,3.2,2026,"
    '"Quiet but friendly, likes chess and long walks by the river at night"\n'
)


async def test_questions_are_made_from_the_header_when_the_event_has_none(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Open, public: questions nobody could have answered yet may still be made; nobody is
    # made a member.
    forms = await make_forms(
        session, questions=False, role_scheme=RoleScheme.NONE, visibility=EventVisibility.PUBLIC
    )
    resp = await upload(client, forms, MICROSOFT_FORM)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["accepted"] == 4 and report["members_added"] == 0
    assert [(c["header"], c["use"]) for c in report["columns"][:5]] == [
        ("ID", "ignored"),
        ("Start time", "ignored"),
        ("Completion time", "ignored"),
        ("Email", "email"),
        ("Name", "name"),
    ]
    made = list(
        await session.scalars(
            select(Question).where(Question.event_id == forms.event.id).order_by(Question.position)
        )
    )
    assert [(q.position, q.prompt, q.type) for q in made] == [
        (0, "Favourite drink", QuestionType.SINGLE_CHOICE),
        (1, "Hobbies", QuestionType.MULTI_CHOICE),
        (2, "Energy level", QuestionType.SCALE),
        (3, "GPA", QuestionType.TEXT),  # not whole numbers
        (4, "Graduation year", QuestionType.TEXT),  # beyond a scale's bounds
        (5, "About you", QuestionType.TEXT),
    ]
    assert report["questions_created"] == [q.prompt for q in made]
    assert made[0].options == ["Coffee", "Tea"]
    assert made[1].options == ["Cooking", "Gaming", "Hiking"]  # "hiking" is the same option
    assert (made[2].scale_min, made[2].scale_max) == (1, 5)
    assert all((q.required, q.weight, q.mode.value) == (False, 1.0, "similar") for q in made)
    people = await registered(session, forms.event)
    assert people["cy@example.edu"] == {
        "name": ("Cy", ""),
        "role": None,
        "complete": True,
        "answers": {
            "Favourite drink": "Tea",
            "Hobbies": ["Hiking"],
            "Energy level": 1,
            "GPA": "2.8",
            "Graduation year": "2027",
        },
    }
    assert not set(people) & await member_emails(session, forms)


async def test_a_mentoring_event_needs_each_row_to_give_a_role(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(
        session, questions=False, status=EventStatus.CLOSED, role_scheme=RoleScheme.MENTOR
    )
    content = (
        "Email,Mentor or mentee?,Goals\n"
        "m1@example.edu,Mentor,Teach\n"
        "m2@example.edu,,Learn\n"
        "m3@example.edu,Big,Learn\n"
        "m4@example.edu,MENTEE,Learn\n"
    )
    report = (await upload(client, forms, content)).json()
    assert [(r["result"], r["reason"]) for r in report["row_results"]] == [
        ("created", None),
        (
            "rejected",
            "column 'Mentor or mentee?': empty; this event needs a role: mentee or mentor",
        ),
        (
            "rejected",
            "column 'Mentor or mentee?': role 'Big' means 'big', which mentor mode does not "
            "use; accepted: 'mentee', 'mentor'",
        ),
        ("created", None),
    ]
    people = await registered(session, forms.event)
    assert {email: p["role"] for email, p in people.items()} == {
        "m1@example.edu": RegistrationRole.MENTOR.value,
        "m4@example.edu": RegistrationRole.MENTEE.value,
    }


async def test_the_email_and_role_columns_can_be_named(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session, questions=False)
    content = (
        "Your address,Partner's address,Your role,Partner's role\n"
        "p1@example.edu,p2@example.edu,Big,Little\n"
        "p2@example.edu,p1@example.edu,Little,Big\n"
    )
    ambiguous = await upload(client, forms, content, email_column="your ADDRESS")
    assert ambiguous.status_code == 422
    assert (
        "'Your role', \"Partner's role\" could each be it" in ambiguous.json()["error"]["message"]
    )
    same = await upload(client, forms, content, email_column="Your role", role_column="YOUR role")
    assert same.status_code == 422
    assert same.json()["error"]["message"] == "email_column and role_column name the same column"
    resp = await upload(
        client, forms, content, email_column="your ADDRESS", role_column="Your role"
    )
    assert resp.status_code == 200, resp.text
    uses = [(c["header"], c["use"], c["detail"]) for c in resp.json()["columns"]]
    assert uses[0] == ("Your address", "email", "given: email_column")
    assert uses[1][1] == "ignored"  # other addresses are personal data, not a question
    assert uses[2] == ("Your role", "role", "given: role_column")
    people = await registered(session, forms.event)
    assert {email: p["role"] for email, p in people.items()} == {
        "p1@example.edu": "big",
        "p2@example.edu": "little",
    }


async def test_a_text_answer_longer_than_the_api_allows_rejects_its_row(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session)
    content = f"Email,Role,Anything else?\nlong@example.edu,Big,{'x' * 5001}\n"
    report = (await upload(client, forms, content)).json()
    assert report["row_results"][0]["reason"] == (
        "column 'Anything else?': longer than 5000 characters"
    )


def test_an_inferred_question_beyond_our_limits_becomes_text() -> None:
    event = Event(id=7)

    def made(spec: dict[str, Any], values: list[str]) -> Question:
        column = QuestionColumn({"id": "q", "prompt": "Q", **spec}, "inferred", True, False)
        return new_question(event, column, values)[0]

    many = [f"option {n}" for n in range(51)]
    assert made({"type": "single_choice", "options": many}, many).type is QuestionType.TEXT
    assert made({"type": "multi_choice", "options": ["x" * 201]}, []).type is QuestionType.TEXT
    fits = made({"type": "multi_choice", "options": many[:50]}, [])
    assert (fits.type, fits.options, fits.required) == (QuestionType.MULTI_CHOICE, many[:50], False)
    assert made({"type": "scale", "min": -1001, "max": 5}, ["-1001", "5"]).type is QuestionType.TEXT
    assert made({"type": "scale", "min": 1, "max": 5}, ["1", "2.5"]).type is QuestionType.TEXT
    scale = made({"type": "scale", "min": -1000, "max": 1000}, ["-1000", "1000.0"])
    assert (scale.type, scale.scale_min, scale.scale_max) == (QuestionType.SCALE, -1000, 1000)
