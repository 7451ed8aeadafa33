"""A student's event pages over HTTP: the event, registering (with a role), the questionnaire
with every question type (errors per question, typed values kept), and withdrawing; through
the registrations service the API calls, on both databases."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Answer,
    Event,
    EventStatus,
    EventVisibility,
    MembershipRole,
    QuestionType,
    Registration,
    RegistrationRole,
    RoleScheme,
    User,
)
from tests.factories import (
    add_member,
    create_event,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.web.helpers import browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture


async def _world(session: AsyncSession, **event_fields: object) -> tuple[User, Event]:
    student = await create_user(session, "student@example.edu", password="correct horse battery")
    owner = await create_user(session)
    club = await create_organization(session, owner, name="Chess Club")
    await add_member(session, club, student, MembershipRole.MEMBER)
    fields: dict[str, object] = {"status": EventStatus.OPEN, "title": "Spring pairs"}
    event = await create_event(session, club, **{**fields, **event_fields})  # type: ignore[arg-type]
    return student, event


async def _registration(session: AsyncSession, event: Event, user: User) -> Registration | None:
    found: Registration | None = await session.scalar(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.user_id == user.id)
        .execution_options(populate_existing=True)  # what the app committed, not a stale copy
    )
    return found


async def test_event_page_registers_without_roles(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student, event = await _world(session, description="Meet <someone> new.")
    await sign_in(browser, "student@example.edu")
    listing = await browser.get("/events")
    assert f'href="/events/{event.id}"' in listing.text
    page = await browser.get(f"/events/{event.id}")
    assert page.status_code == 200
    html = page.text
    assert "Spring pairs" in html and "Chess Club" in html and "Meet &lt;someone&gt; new." in html
    assert f'action="/events/{event.id}/register"' in html and 'name="role"' not in html
    assert "<img" not in html
    assert (await browser.post(f"/events/{event.id}/register", data={})).status_code == 403
    assert await _registration(session, event, student) is None
    done = await browser.post(
        f"/events/{event.id}/register", data={"csrf_token": csrf_token_of(html)}
    )
    # No questions: back to the event, which says so.
    assert (done.status_code, done.headers["location"]) == (303, f"/events/{event.id}")
    after = (await browser.get(f"/events/{event.id}")).text
    assert "You are registered." in after and "/register" not in after
    assert await _registration(session, event, student) is not None


async def test_a_role_scheme_needs_a_role(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student, event = await _world(session, role_scheme=RoleScheme.MENTOR)
    await create_question(session, event)
    await sign_in(browser, "student@example.edu")
    html = (await browser.get(f"/events/{event.id}")).text
    assert '<select id="role" name="role"' in html
    assert 'value="mentor"' in html and 'value="mentee"' in html and 'value="big"' not in html
    token = csrf_token_of(html)
    missing = await browser.post(f"/events/{event.id}/register", data={"csrf_token": token})
    assert missing.status_code == 422
    assert 'id="role-error"' in missing.text
    assert "This event needs a role: mentee or mentor." in missing.text
    wrong = await browser.post(
        f"/events/{event.id}/register", data={"csrf_token": token, "role": "big"}
    )
    assert wrong.status_code == 422 and "is not a role of this event" in wrong.text
    junk = await browser.post(
        f"/events/{event.id}/register", data={"csrf_token": token, "role": "king"}
    )
    assert junk.status_code == 422 and "Choose one of the roles." in junk.text
    assert await _registration(session, event, student) is None
    done = await browser.post(
        f"/events/{event.id}/register", data={"csrf_token": token, "role": "mentee"}
    )
    assert done.headers["location"] == f"/events/{event.id}/answers"
    registration = await _registration(session, event, student)
    assert registration is not None and registration.role is RegistrationRole.MENTEE


async def test_closed_events_have_no_register_form_and_refuse_posts(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student, event = await _world(session, status=EventStatus.CLOSED)
    await sign_in(browser, "student@example.edu")
    html = (await browser.get(f"/events/{event.id}")).text
    assert "/register" not in html and "Registration is not open" in html
    refused = await browser.post(
        f"/events/{event.id}/register", data={"csrf_token": csrf_token_of(html)}
    )
    assert refused.status_code == 409 and "registration is not open" in refused.text.lower()
    assert await _registration(session, event, student) is None


async def test_events_a_person_cannot_see_are_404_pages(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _world(session)
    owner = await create_user(session)
    other = await create_organization(session, owner, name="Rowing Club")
    members_only = await create_event(session, other, status=EventStatus.OPEN)
    draft = await create_event(session, other, visibility=EventVisibility.PUBLIC)
    public = await create_event(
        session, other, status=EventStatus.OPEN, visibility=EventVisibility.PUBLIC
    )
    await sign_in(browser, "student@example.edu")
    token = csrf_token_of((await browser.get("/events")).text)
    for event_id in (members_only.id, draft.id, 999_999, 2**40):
        for response in (
            await browser.get(f"/events/{event_id}"),
            await browser.get(f"/events/{event_id}/answers"),
            await browser.get(f"/events/{event_id}/withdraw"),
            await browser.post(f"/events/{event_id}/register", data={"csrf_token": token}),
            await browser.post(f"/events/{event_id}/withdraw", data={"csrf_token": token}),
        ):
            assert response.status_code == 404, (event_id, response.request.url)
            assert "Event not found" in response.text
    assert (await browser.get(f"/events/{public.id}")).status_code == 200


async def test_signed_out_visitors_go_to_sign_in(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, event = await _world(session)
    response = await browser.get(f"/events/{event.id}/answers")
    assert response.headers["location"] == f"/sign-in?next=/events/{event.id}/answers"


async def _questionnaire(session: AsyncSession, event: Event) -> dict[str, int]:
    text = await create_question(
        session,
        event,
        type=QuestionType.TEXT,
        prompt="About you",
        help_text="A few words.",
        position=0,
    )
    single = await create_question(session, event, prompt="Tea or coffee?", position=1)
    multi = await create_question(
        session,
        event,
        type=QuestionType.MULTI_CHOICE,
        prompt="Languages",
        position=2,
        options=["Python", "Rust", "Go"],
        required=False,
    )
    scale = await create_question(
        session,
        event,
        type=QuestionType.SCALE,
        prompt="How social?",
        position=3,
        scale_min=1,
        scale_max=5,
    )
    return {"text": text.id, "single": single.id, "multi": multi.id, "scale": scale.id}


async def test_the_questionnaire_keeps_typed_values_and_shows_errors_per_question(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student, event = await _world(session)
    q = await _questionnaire(session, event)
    registration = await create_registration(session, event, student)
    await sign_in(browser, "student@example.edu")
    form = await browser.get(f"/events/{event.id}/answers")
    html = form.text
    assert form.status_code == 200 and "Your answers are incomplete: 3 required" in html
    assert f'<textarea id="q{q["text"]}"' in html and 'id="q{}-help"'.format(q["text"]) in html
    assert "<fieldset" in html and "<legend>Tea or coffee?" in html
    assert html.count('type="checkbox"') == 3 and html.count('type="radio"') == 2
    assert 'type="number"' in html and 'min="1"' in html and 'max="5"' in html
    token = csrf_token_of(html)
    typed = {
        "csrf_token": token,
        f"q{q['text']}": "I like <chess>",
        f"q{q['single']}": "Coffee",
        f"q{q['multi']}": ["Python", "Go"],
        f"q{q['scale']}": "9",
    }
    refused = await browser.post(f"/events/{event.id}/answers", data=typed)
    assert refused.status_code == 422
    html = refused.text
    assert f'id="q{q["scale"]}-error"' in html and "Must be between 1 and 5." in html
    assert f'aria-describedby="q{q["scale"]}-range q{q["scale"]}-error"' in html
    assert 'aria-invalid="true"' in html
    assert "I like &lt;chess&gt;</textarea>" in html and ' value="9"' in html
    assert 'value="Coffee" checked' in html
    assert 'value="Python" checked' in html and 'value="Go" checked' in html
    assert 'value="Rust" checked' not in html
    assert (await session.scalars(select(Answer))).all() == []  # nothing saved

    wrong_option = await browser.post(
        f"/events/{event.id}/answers",
        data={**typed, f"q{q['scale']}": "4", f"q{q['single']}": "Milk"},
    )
    assert wrong_option.status_code == 422 and f'id="q{q["single"]}-error"' in wrong_option.text
    assert "is not one of the options" in wrong_option.text

    saved = await browser.post(f"/events/{event.id}/answers", data={**typed, f"q{q['scale']}": "4"})
    assert (saved.status_code, saved.headers["location"]) == (303, f"/events/{event.id}/answers")
    page = (await browser.get(f"/events/{event.id}/answers")).text
    assert "Saved." in page and "Your answers are complete." in page
    assert ' value="4"' in page and "I like &lt;chess&gt;</textarea>" in page
    api = (await browser.get(f"/api/v1/events/{event.id}/registration/answers")).json()
    assert api["answers"] == {
        str(q["text"]): "I like <chess>",
        str(q["single"]): "Coffee",
        str(q["multi"]): ["Python", "Go"],
        str(q["scale"]): 4,
    }
    assert api["is_complete"] is True
    # Emptying a field clears that answer, as null does in the API.
    cleared = await browser.post(
        f"/events/{event.id}/answers", data={**typed, f"q{q['scale']}": "", f"q{q['multi']}": []}
    )
    assert cleared.status_code == 303
    await session.refresh(registration)
    assert registration.is_complete is False
    assert (
        "Your answers are incomplete: 1 required question still"
        in (await browser.get(f"/events/{event.id}")).text
    )
    assert (await browser.post(f"/events/{event.id}/answers", data={})).status_code == 403


async def test_answers_need_a_registration_and_an_open_event(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student, event = await _world(session)
    q = await _questionnaire(session, event)
    await sign_in(browser, "student@example.edu")
    not_registered = await browser.get(f"/events/{event.id}/answers")
    assert not_registered.headers["location"] == f"/events/{event.id}"
    await create_registration(session, event, student)
    token = csrf_token_of((await browser.get(f"/events/{event.id}/answers")).text)
    event.status = EventStatus.CLOSED
    await session.commit()
    closed = await browser.get(f"/events/{event.id}/answers")
    assert closed.status_code == 200 and "Save answers" not in closed.text
    refused = await browser.post(
        f"/events/{event.id}/answers", data={"csrf_token": token, f"q{q['single']}": "Tea"}
    )
    assert refused.status_code == 409
    assert (await session.scalars(select(Answer))).all() == []


async def test_withdraw_asks_first_then_deletes(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student, event = await _world(session)
    await create_registration(session, event, student)
    await sign_in(browser, "student@example.edu")
    event_page = (await browser.get(f"/events/{event.id}")).text
    assert f'href="/events/{event.id}/withdraw"' in event_page
    confirm = await browser.get(f"/events/{event.id}/withdraw")
    assert confirm.status_code == 200 and "Yes, withdraw" in confirm.text
    assert await _registration(session, event, student) is not None  # a GET changes nothing
    assert (await browser.post(f"/events/{event.id}/withdraw", data={})).status_code == 403
    done = await browser.post(
        f"/events/{event.id}/withdraw", data={"csrf_token": csrf_token_of(confirm.text)}
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/events/{event.id}")
    assert "You withdrew from the event." in (await browser.get(f"/events/{event.id}")).text
    assert await _registration(session, event, student) is None
    again = await browser.get(f"/events/{event.id}/withdraw")
    assert again.headers["location"] == f"/events/{event.id}"
