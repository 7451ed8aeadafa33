"""An organizer's event pages over HTTP: creating an event (errors per field, typed values
kept), editing it (locked fields explained, refused changes), its image (a real PNG; a file
that is no image refused) and every lifecycle button (available ones act; an unavailable one
says why and its POST answers 409 with nothing changed), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event, EventStatus, MembershipRole, Organization, RoleScheme, User
from tests.events.helpers import image_bytes
from tests.factories import (
    add_member,
    create_event,
    create_organization,
    create_registration,
    create_user,
)
from tests.pairing.helpers import place_directly
from tests.web.helpers import browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture

ORGANIZER = "organizer@example.edu"


async def _club(session: AsyncSession) -> tuple[User, Organization]:
    organizer = await create_user(session, ORGANIZER, password="correct horse battery")
    club = await create_organization(session, organizer, name="Chess Club")
    return organizer, club


async def _fresh(session: AsyncSession, event_id: int) -> Event | None:
    """The event as the app committed it (not the test session's stale copy)."""
    found: Event | None = await session.scalar(
        select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    )
    return found


async def _post(
    browser: httpx.AsyncClient, page_url: str, url: str, **fields: str
) -> httpx.Response:
    """Post ``fields`` to ``url`` with the CSRF token of the page at ``page_url``."""
    token = csrf_token_of((await browser.get(page_url)).text)
    return await browser.post(url, data={"csrf_token": token, **fields})


async def test_create_keeps_what_was_typed_and_explains_each_error(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, club = await _club(session)
    await sign_in(browser, ORGANIZER)
    new_url = f"/organizations/{club.id}/events/new"
    form = await browser.get(new_url)
    assert form.status_code == 200
    assert 'type="datetime-local"' in form.text and 'name="role_scheme"' in form.text
    typed = {
        "title": " ",
        "description": "Pairs for <spring>",
        "registration_deadline": "next tuesday",
        "visibility": "public",
        "role_scheme": "mentor",
        "default_group_size": "3",
    }
    refused = await _post(browser, new_url, new_url, **typed)
    assert refused.status_code == 422
    html = refused.text
    assert 'id="title-error"' in html and 'id="registration_deadline-error"' in html
    assert "Pairs for &lt;spring&gt;</textarea>" in html  # kept, escaped
    assert 'value="next tuesday"' in html and 'value="3"' in html
    assert '<option value="mentor" selected>' in html
    assert '<option value="public" selected>' in html
    assert await session.scalar(select(Event).where(Event.organization_id == club.id)) is None
    small = await _post(
        browser,
        new_url,
        new_url,
        **{
            **typed,
            "title": "Spring pairs",
            "registration_deadline": "",
            "default_group_size": "1",
        },
    )
    assert small.status_code == 422 and 'id="default_group_size-error"' in small.text
    assert "greater than or equal to 2" in small.text

    created = await _post(
        browser,
        new_url,
        new_url,
        **{
            **typed,
            "title": "Spring pairs",
            "registration_deadline": "2030-05-01T18:30",
        },
    )
    assert created.status_code == 303
    event = await session.scalar(select(Event).where(Event.organization_id == club.id))
    assert event is not None and created.headers["location"] == f"/manage/events/{event.id}"
    assert (event.title, event.status, event.role_scheme) == (
        "Spring pairs",
        EventStatus.DRAFT,
        RoleScheme.MENTOR,
    )
    assert event.default_group_size == 3 and event.description == "Pairs for <spring>"
    deadline = event.registration_deadline
    assert deadline is not None
    assert deadline.replace(tzinfo=deadline.tzinfo or UTC) == datetime(
        2030, 5, 1, 18, 30, tzinfo=UTC
    )
    overview = await browser.get(created.headers["location"])
    assert "The event is created as a draft." in overview.text
    assert "Wed 01 May 2030, 18:30 UTC" in overview.text
    assert 'value="2030-05-01T18:30"' in overview.text
    assert f'href="/manage/events/{event.id}/questions">Add questions</a>' in overview.text


async def test_members_may_not_create_events(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, club = await _club(session)
    member = await create_user(session, "member@example.edu", password="correct horse battery")
    await add_member(session, club, member, MembershipRole.MEMBER)
    await sign_in(browser, "member@example.edu")
    assert (await browser.get(f"/organizations/{club.id}/events/new")).status_code == 403


async def test_edit_saves_and_locked_fields_are_explained(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, club = await _club(session)
    event = await create_event(session, club, title="Old title")
    await sign_in(browser, ORGANIZER)
    url = f"/manage/events/{event.id}"
    fields = {
        "title": "New title",
        "description": "",
        "registration_deadline": "",
        "visibility": "members_only",
        "role_scheme": "big_little",
        "default_group_size": "4",
    }
    bad = await _post(browser, url, url, **{**fields, "default_group_size": "lots"})
    assert bad.status_code == 422 and 'value="lots"' in bad.text
    assert 'id="default_group_size-error"' in bad.text
    saved = await _post(browser, url, url, **fields)
    assert (saved.status_code, saved.headers["location"]) == (303, url)
    stored = await _fresh(session, event.id)
    assert stored is not None
    assert (stored.title, stored.role_scheme, stored.default_group_size) == (
        "New title",
        RoleScheme.BIG_LITTLE,
        4,
    )

    opened = await create_event(session, club, status=EventStatus.OPEN, title="Open one")
    open_url = f"/manage/events/{opened.id}"
    html = (await browser.get(open_url)).text
    assert 'id="role_scheme-locked"' in html
    assert "the role scheme is fixed once the event has been opened (it is open)" in html
    locked_select = (
        '<select id="role_scheme" name="role_scheme" '
        'aria-describedby="role_scheme-hint role_scheme-locked" disabled>'
    )
    assert locked_select in html
    # The form posts no locked field; a hand-made post that changes one is refused (409).
    crafted = await _post(
        browser, open_url, open_url, **{**fields, "title": "Open one", "role_scheme": "mentor"}
    )
    assert crafted.status_code == 409 and 'id="role_scheme-error"' in crafted.text
    past = await _post(
        browser,
        open_url,
        open_url,
        **{
            **fields,
            "title": "Open one",
            "role_scheme": "none",
            "registration_deadline": "2001-01-01T00:00",
        },
    )
    assert past.status_code == 409 and "must be in the future" in past.text
    stored = await _fresh(session, opened.id)
    assert stored is not None and stored.role_scheme is RoleScheme.NONE
    assert stored.registration_deadline is None and stored.default_group_size == 2


async def test_image_upload_replace_refuse_and_remove(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, club = await _club(session)
    event = await create_event(session, club)
    await sign_in(browser, ORGANIZER)
    url = f"/manage/events/{event.id}"
    first = (await browser.get(url)).text
    assert "No image yet." in first and 'enctype="multipart/form-data"' in first
    token = csrf_token_of(first)
    png = image_bytes("PNG", size=(40, 30))
    done = await browser.post(
        url + "/image",
        data={"csrf_token": token},
        files={"image": ("banner.png", png, "image/png")},
    )
    assert (done.status_code, done.headers["location"]) == (303, url)
    stored = await _fresh(session, event.id)
    assert stored is not None and stored.image_key is not None and stored.image_key.endswith(".png")
    key = stored.image_key
    shown = await browser.get(url)
    assert f'src="/api/v1/events/{event.id}/image?v=' in shown.text
    assert "The image is saved." in shown.text
    served = await browser.get(f"/api/v1/events/{event.id}/image")
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")

    refused = await browser.post(
        url + "/image",
        data={"csrf_token": token},
        files={"image": ("banner.png", b"not an image at all", "image/png")},
    )
    assert refused.status_code == 422
    assert 'id="image-error"' in refused.text and "not a PNG, JPEG or WebP image" in refused.text
    nothing = await browser.post(url + "/image", data={"csrf_token": token})
    assert nothing.status_code == 422 and "Choose an image file" in nothing.text
    stored = await _fresh(session, event.id)
    assert stored is not None and stored.image_key == key

    removed = await browser.post(url + "/image/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    stored = await _fresh(session, event.id)
    assert stored is not None and stored.image_key is None
    assert "The image is removed." in (await browser.get(url)).text


async def _lifecycle(browser: httpx.AsyncClient, event_id: int, action: str) -> httpx.Response:
    url = f"/manage/events/{event_id}"
    return await _post(browser, url, f"{url}/lifecycle/{action}")


async def _status(session: AsyncSession, event_id: int) -> EventStatus | None:
    stored = await _fresh(session, event_id)
    return None if stored is None else stored.status


async def test_every_lifecycle_button(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    _, club = await _club(session)
    event = await create_event(session, club)
    await sign_in(browser, ORGANIZER)
    url = f"/manage/events/{event.id}"
    draft = (await browser.get(url)).text
    assert (
        '<p class="unavailable" id="why-close">Unavailable: It is draft (allowed from open).'
        in draft
    )
    assert 'aria-describedby="why-close"' in draft and 'id="why-open"' not in draft
    # An unavailable action: 409 with its reason, nothing changed.
    refused = await _lifecycle(browser, event.id, "close")
    assert refused.status_code == 409
    assert (
        'id="lifecycle-error"' in refused.text
        and "Cannot close this event: it is draft" in refused.text
    )
    assert await _status(session, event.id) is EventStatus.DRAFT

    for action, status in (
        ("open", EventStatus.OPEN),
        ("close", EventStatus.CLOSED),
        ("reopen", EventStatus.OPEN),
        ("close", EventStatus.CLOSED),
    ):
        done = await _lifecycle(browser, event.id, action)
        assert (done.status_code, done.headers["location"]) == (303, url), action
        assert await _status(session, event.id) is status, action

    closed = (await browser.get(url)).text
    assert "Registration is closed." in closed
    assert "Unavailable: It has no pairing yet; run the pairing and adopt a result first." in closed
    no_pairing = await _lifecycle(browser, event.id, "publish")
    assert no_pairing.status_code == 409 and "it has no pairing yet" in no_pairing.text
    assert await _status(session, event.id) is EventStatus.CLOSED

    pair = []
    for _ in range(2):
        person = await create_user(session)
        await add_member(session, club, person, MembershipRole.MEMBER)
        pair.append(await create_registration(session, event, person, is_complete=True))
    await place_directly(session, event, [pair])
    assert "2 complete, 0 incomplete" in (await browser.get(url)).text
    for action, status in (
        ("publish", EventStatus.PUBLISHED),
        ("unpublish", EventStatus.CLOSED),
        ("archive", EventStatus.ARCHIVED),
    ):
        done = await _lifecycle(browser, event.id, action)
        assert done.status_code == 303, action
        assert await _status(session, event.id) is status, action

    archived = (await browser.get(url)).text
    assert "Save the details" not in archived and "an archived event cannot be changed" in archived
    not_draft = await _lifecycle(browser, event.id, "delete")
    assert (
        not_draft.status_code == 409
        and "Only a draft can be deleted; this event is archived" in not_draft.text
    )
    assert await _status(session, event.id) is EventStatus.ARCHIVED
    unknown = await _lifecycle(browser, event.id, "explode")
    assert unknown.status_code == 404


async def test_open_needs_a_future_deadline_and_drafts_can_be_deleted(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, club = await _club(session)
    late = await create_event(
        session, club, registration_deadline=datetime.now(UTC) - timedelta(days=1)
    )
    await sign_in(browser, ORGANIZER)
    html = (await browser.get(f"/manage/events/{late.id}")).text
    assert 'id="why-open">Unavailable: Its registration deadline has passed' in html
    refused = await _lifecycle(browser, late.id, "open")
    assert refused.status_code == 409 and "deadline has passed" in refused.text
    assert await _status(session, late.id) is EventStatus.DRAFT

    deleted = await _lifecycle(browser, late.id, "delete")
    assert (deleted.status_code, deleted.headers["location"]) == (303, f"/organizations/{club.id}")
    assert await _status(session, late.id) is None
