"""The organizer's registrations pages over HTTP, on both databases: the list (completeness,
roles, filters, search, the empty state), one registration's answers, setting a role (audited;
a refused role back in its row), asking for summaries, the CSV import (a dry run writes
nothing; a real one adds rows and reports the rejected ones) and the CSV export (formula
guard)."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Event,
    EventStatus,
    MembershipRole,
    Organization,
    Question,
    QuestionType,
    Registration,
    RegistrationRole,
    RoleScheme,
    SummaryStatus,
    User,
)
from tests.factories import (
    add_member,
    audit_actions,
    create_event,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.web.helpers import PASSWORD, browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture


async def _event(
    session: AsyncSession, club: Organization | None = None, **fields: object
) -> tuple[Event, Question]:
    """An open big/little event of the Chess Club (owner@example.edu, signed in with
    PASSWORD), or of ``club``, with one choice question."""
    if club is None:
        owner = await create_user(session, "owner@example.edu", password=PASSWORD)
        club = await create_organization(session, owner, name="Chess Club")
    defaults: dict[str, object] = {
        "status": EventStatus.OPEN,
        "title": "Spring pairs",
        "role_scheme": RoleScheme.BIG_LITTLE,
    }
    event = await create_event(session, club, **{**defaults, **fields})  # type: ignore[arg-type]
    question = await create_question(session, event, prompt="Tea or coffee?")
    return event, question


async def _people(session: AsyncSession, event: Event, question: Question) -> list[Registration]:
    ada = await create_user(session, "ada@example.edu", first_name="Ada", last_name="Lovelace")
    bob = await create_user(session, "bob@example.edu", first_name="Bob", last_name="Moses")
    return [
        await create_registration(
            session, event, ada, role=RegistrationRole.BIG, answers={question: "Tea"},
            is_complete=True,
        ),
        await create_registration(session, event, bob, role=RegistrationRole.LITTLE),
    ]  # fmt: skip


async def _club(session: AsyncSession, event: Event) -> Organization:
    return await session.get_one(Organization, event.organization_id)


def _row(html: str, registration: Registration) -> str:
    found = re.search(rf'<tr id="registration-{registration.id}">(.*?)</tr>', html, re.S)
    assert found is not None, f"no row for registration {registration.id}"
    return found.group(1)


async def _fresh(session: AsyncSession, registration: Registration) -> Registration:
    found = await session.scalar(
        select(Registration)
        .where(Registration.id == registration.id)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def _count(session: AsyncSession, event: Event) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Registration).where(Registration.event_id == event.id)
        )
        or 0
    )


async def test_the_list_shows_completeness_roles_and_filters(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session)
    ada, bob = await _people(session, event, question)
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/registrations")
    assert page.status_code == 200
    ada_row, bob_row = _row(page.text, ada), _row(page.text, bob)
    assert "Ada Lovelace" in ada_row and "Complete" in ada_row and "Incomplete" not in ada_row
    assert "Bob Moses" in bob_row and "Incomplete" in bob_row
    assert '<option value="big" selected>' in ada_row
    assert '<option value="little" selected>' in bob_row
    assert "1\N{EN DASH}2 of 2 registrations" in page.text
    assert f'href="/manage/events/{event.id}/registrations/export"' in page.text
    only_incomplete = await browser.get(
        f"/manage/events/{event.id}/registrations", params={"complete": "incomplete"}
    )
    assert "Bob Moses" in only_incomplete.text and "Ada Lovelace" not in only_incomplete.text
    searched = await browser.get(f"/manage/events/{event.id}/registrations", params={"q": "ada"})
    assert "Ada Lovelace" in searched.text and "Bob Moses" not in searched.text
    nobody = await browser.get(f"/manage/events/{event.id}/registrations", params={"q": "zed"})
    assert "No registration matches these filters" in nobody.text


async def test_the_empty_list_says_what_to_do(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, _ = await _event(session)
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/registrations")
    assert page.status_code == 200
    assert "Nobody has registered for this event yet" in page.text
    assert f'href="/manage/events/{event.id}/registrations/import"' in page.text


async def test_a_members_page_is_refused_and_pagination_pages(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, _ = await _event(session)
    member = await create_user(session, "member@example.edu", password=PASSWORD)
    await add_member(session, await _club(session, event), member, MembershipRole.MEMBER)
    for n in range(51):
        person = await create_user(session, f"p{n:02}@example.edu", last_name=f"P{n:02}")
        await create_registration(session, event, person)
    await sign_in(browser, "owner@example.edu")
    first = await browser.get(f"/manage/events/{event.id}/registrations")
    assert "1\N{EN DASH}50 of 51" in first.text and "P49" in first.text and "P50" not in first.text
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = await browser.get(f"/manage/events/{event.id}/registrations", params={"offset": 50})
    assert (
        "51\N{EN DASH}51 of 51" in second.text
        and "P50" in second.text
        and 'rel="prev"' in second.text
    )
    await browser.post("/sign-out", data={"csrf_token": csrf_token_of(second.text)})
    await sign_in(browser, "member@example.edu")
    refused = await browser.get(f"/manage/events/{event.id}/registrations")
    assert refused.status_code == 403 and "Organizers only" in refused.text


async def test_one_registrations_answers(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    event, question = await _event(session)
    scale = await create_question(
        session, event, type=QuestionType.SCALE, prompt="How social?", position=1
    )
    ada, _ = await _people(session, event, question)
    other, _ = await _event(session, await _club(session, event), title="Other")
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/registrations/{ada.id}")
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text and "ada@example.edu" in page.text
    answers = page.text[page.text.index("<h2>Answers</h2>") :]
    assert re.search(r"<dt>Tea or coffee\?</dt>\s*<dd>Tea</dd>", answers)
    assert re.search(
        rf"<dt>{re.escape(scale.prompt)}</dt>\s*<dd><span class=\"hint\">Not answered", answers
    )
    # A registration of another event is not found under this one.
    elsewhere = await browser.get(f"/manage/events/{other.id}/registrations/{ada.id}")
    assert elsewhere.status_code == 404


async def test_setting_a_role_persists_and_is_audited(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session)
    _, bob = await _people(session, event, question)
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/registrations", params={"q": "bob"})
    url = f"/manage/events/{event.id}/registrations/{bob.id}/role"
    assert (await browser.post(url, data={"role": "big"})).status_code == 403
    assert (await _fresh(session, bob)).role is RegistrationRole.LITTLE
    token = csrf_token_of(page.text)
    done = await browser.post(url, data={"csrf_token": token, "role": "either", "back": "q=bob"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/manage/events/{event.id}/registrations?q=bob"
    assert (await _fresh(session, bob)).role is RegistrationRole.EITHER
    after = await browser.get(done.headers["location"])
    assert "The role is saved." in after.text
    assert '<option value="either" selected>' in _row(after.text, bob)
    actions = await audit_actions(session, await _club(session, event))
    assert "registration.role" in actions
    # A role of another scheme: the list again, the reason in Bob's row, nothing changed.
    refused = await browser.post(url, data={"csrf_token": token, "role": "mentor"})
    assert refused.status_code == 422
    assert "field-error" in _row(refused.text, bob)
    assert (await _fresh(session, bob)).role is RegistrationRole.EITHER
    nonsense = await browser.post(url, data={"csrf_token": token, "role": "boss"})
    assert nonsense.status_code == 422 and "Choose one of the roles." in _row(nonsense.text, bob)


async def test_roles_are_fixed_once_published(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session, status=EventStatus.PUBLISHED)
    ada, _ = await _people(session, event, question)
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/registrations")
    refused = await browser.post(
        f"/manage/events/{event.id}/registrations/{ada.id}/role",
        data={"csrf_token": csrf_token_of(page.text), "role": "little"},
    )
    assert refused.status_code == 409 and "unpublish it first" in _row(refused.text, ada)
    assert (await _fresh(session, ada)).role is RegistrationRole.BIG


async def test_asking_for_summaries_marks_the_complete_ones_pending(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session)
    ada, bob = await _people(session, event, question)
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/registrations")
    done = await browser.post(
        f"/manage/events/{event.id}/registrations/summaries",
        data={"csrf_token": csrf_token_of(page.text)},
    )
    assert done.status_code == 303
    assert (await _fresh(session, ada)).summary_status is not None
    assert (await _fresh(session, bob)).summary_status is None  # incomplete
    after = await browser.get(done.headers["location"])
    assert "The summaries are being made" in after.text or "already has a summary" in after.text
    assert (await _fresh(session, ada)).summary_status in set(SummaryStatus)


CSV = (
    "Email Address,First name,Last name,Role,Tea or coffee?\n"
    "carol@example.edu,Carol,Shaw,Little,Coffee\n"
    "not-an-address,Dan,Doe,Big,Tea\n"
    "ada@example.edu,Ada,Lovelace,,Coffee\n"
)


async def _import(
    browser: httpx.AsyncClient, event: Event, *, dry_run: bool, content: str = CSV
) -> httpx.Response:
    form = await browser.get(f"/manage/events/{event.id}/registrations/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    data = {"csrf_token": csrf_token_of(form.text), **({"dry_run": "yes"} if dry_run else {})}
    files = {"file": ("responses.csv", content.encode(), "text/csv")}
    return await browser.post(
        f"/manage/events/{event.id}/registrations/import", data=data, files=files
    )


async def test_an_import_dry_run_changes_nothing_and_reports(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session)
    await _people(session, event, question)
    await sign_in(browser, "owner@example.edu")
    report = await _import(browser, event, dry_run=True)
    assert report.status_code == 200
    assert "Dry run: nothing was changed." in report.text
    assert "2 of 3 rows would be accepted, 1 rejected" in report.text
    assert re.search(r'<dd id="registrations-created">1</dd>', report.text)
    assert re.search(r'<dd id="registrations-updated">1</dd>', report.text)
    rejected = re.search(r'<tr class="result-rejected">(.*?)</tr>', report.text, re.S)
    assert rejected is not None and "not-an-address" in rejected.group(1)
    assert await _count(session, event) == 2
    assert await session.scalar(select(User).where(User.email == "carol@example.edu")) is None


async def test_an_import_adds_the_accepted_rows(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session)
    await _people(session, event, question)
    await sign_in(browser, "owner@example.edu")
    report = await _import(browser, event, dry_run=False)
    assert report.status_code == 200
    assert "2 of 3 rows were accepted, 1 rejected" in report.text
    assert "Dry run" not in report.text.split('<h2 id="import-heading">')[0]
    assert await _count(session, event) == 3
    carol = await session.scalar(select(User).where(User.email == "carol@example.edu"))
    assert carol is not None
    added = await session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == carol.id
        )
    )
    assert added is not None and added.role is RegistrationRole.LITTLE


async def test_an_unreadable_import_comes_back_with_the_reason(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, _ = await _event(session)
    await sign_in(browser, "owner@example.edu")
    refused = await _import(browser, event, dry_run=False, content="")
    assert refused.status_code == 422
    assert 'id="import-file-error"' in refused.text
    form = await browser.get(f"/manage/events/{event.id}/registrations/import")
    empty = await browser.post(
        f"/manage/events/{event.id}/registrations/import",
        data={"csrf_token": csrf_token_of(form.text)},
        files={"other": ("x.txt", b"x", "text/plain")},
    )
    assert empty.status_code == 422 and "Choose a CSV file to import." in empty.text
    assert await _count(session, event) == 0


async def test_the_export_is_the_csv_with_the_formula_guard(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, question = await _event(session)
    await _people(session, event, question)
    sly = await create_user(session, "sly@example.edu", first_name="=HYPERLINK(1)", last_name="Z")
    await create_registration(session, event, sly, answers={question: "Coffee"})
    await sign_in(browser, "owner@example.edu")
    got = await browser.get(f"/manage/events/{event.id}/registrations/export")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert f'filename="event-{event.id}-registrations.csv"' in got.headers["content-disposition"]
    lines = got.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "email,first_name,last_name,role,complete,registered_at,Tea or coffee?"
    assert lines[1].startswith("ada@example.edu,Ada,Lovelace,big,yes,")
    assert lines[1].endswith(",Tea")
    assert lines[3].startswith("sly@example.edu,'=HYPERLINK(1),Z,")


async def test_no_import_once_published(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    event, _ = await _event(session, status=EventStatus.PUBLISHED)
    await sign_in(browser, "owner@example.edu")
    refused = await _import(browser, event, dry_run=False)
    assert refused.status_code == 409
    assert "unpublish it first" in refused.text and 'id="import-file-error"' in refused.text
    assert await _count(session, event) == 0
