"""The student's own pages over HTTP, on both databases: the profile (name and matching profile,
the API's validation with what was typed kept), the private avoid list (add, remove, its limit,
nobody else sees it) and their group once published (their group only, their explanation)."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.me.schemas import class_year_range
from peerpear.models import (
    Event,
    EventStatus,
    MembershipRole,
    Organization,
    PairingGroupMember,
    PairRule,
    PairRuleKind,
    Profile,
    Registration,
    RegistrationRole,
    User,
)
from peerpear.registrations.schemas import MAX_AVOID
from tests.factories import (
    add_member,
    create_event,
    create_organization,
    create_registration,
    create_user,
)
from tests.pairing.helpers import place_directly
from tests.web.helpers import PASSWORD, browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture


async def _club(session: AsyncSession) -> Organization:
    owner = await create_user(session, first_name="Olive", last_name="Owner")
    return await create_organization(session, owner, name="Chess Club")


async def _member(
    session: AsyncSession, club: Organization, first: str, last: str, *, signs_in: bool = False
) -> User:
    user = await create_user(
        session,
        f"{first.lower()}@example.edu",
        first_name=first,
        last_name=last,
        password=PASSWORD if signs_in else None,  # hashing is slow: only for who signs in
    )
    await add_member(session, club, user, MembershipRole.MEMBER)
    return user


async def _switch_to(browser: httpx.AsyncClient, email: str) -> None:
    """Sign out whoever is signed in, then sign in as ``email``."""
    token = csrf_token_of((await browser.get("/profile")).text)
    await browser.post("/sign-out", data={"csrf_token": token})
    assert (await sign_in(browser, email)).status_code == 303


# --- the profile ---


async def test_profile_shows_and_saves_name_and_profile(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    ada = await _member(session, club, "Ada", "Lovelace", signs_in=True)
    await sign_in(browser, "ada@example.edu")
    shown = await browser.get("/profile")
    assert shown.status_code == 200
    html = shown.text
    assert "ada@example.edu" in html and 'value="Ada"' in html and 'value="Lovelace"' in html
    assert f'href="/organizations/{club.id}">Chess Club</a>' in html
    done = await browser.post(
        "/profile",
        data={
            "csrf_token": csrf_token_of(html),
            "first_name": "  Augusta Ada ",
            "last_name": "King",
            "class_year": str(class_year_range()[0] + 60),
            "major": "Mathematics",
            "hobbies": "Chess\n\nPoetry\nchess\n",
            "bio": "I write programs for engines that do not exist yet.",
        },
    )
    assert (done.status_code, done.headers["location"]) == (303, "/profile")
    await session.refresh(ada)
    assert (ada.first_name, ada.last_name) == ("Augusta Ada", "King")
    profile = await session.get(Profile, ada.id, populate_existing=True)
    assert profile is not None
    assert profile.class_year == class_year_range()[0] + 60
    assert profile.major == "Mathematics"
    assert profile.hobbies == ["Chess", "Poetry"]  # the blank line and the duplicate dropped
    again = (await browser.get("/profile")).text
    assert "Your profile is saved." in again
    assert 'value="Augusta Ada"' in again and ">Chess\nPoetry</textarea>" in again


async def test_profile_refuses_invalid_values_and_keeps_what_was_typed(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    ada = await _member(session, club, "Ada", "Lovelace", signs_in=True)
    await sign_in(browser, "ada@example.edu")
    token = csrf_token_of((await browser.get("/profile")).text)
    low, high = class_year_range()
    typed = {
        "csrf_token": token,
        "first_name": "Countess",
        "last_name": "Lovelace",
        "class_year": str(low - 1),
        "major": "Analytical <engines>",
        "hobbies": "Chess\n" + "x" * 61,
        "bio": "Kept as typed.",
    }
    refused = await browser.post("/profile", data=typed)
    assert refused.status_code == 422
    html = refused.text
    assert 'id="class_year-error"' in html
    assert f"Class year must be between {low} and {high}." in html
    assert 'id="hobbies-error"' in html and "Hobby 2: String should have at most 60" in html
    # what was typed comes back (escaped), and nothing was saved, the valid name neither
    assert 'value="Countess"' in html and 'value="Analytical &lt;engines&gt;"' in html
    assert "Kept as typed.</textarea>" in html and f'value="{low - 1}"' in html
    await session.refresh(ada)
    assert ada.first_name == "Ada"
    assert await session.get(Profile, ada.id, populate_existing=True) is None
    words = await browser.post(
        "/profile", data={**typed, "class_year": "soon", "hobbies": "", "first_name": " "}
    )
    assert words.status_code == 422
    assert "Enter a year as a number, for example 2027." in words.text
    assert 'id="first_name-error"' in words.text and 'id="hobbies-error"' not in words.text


async def test_profile_needs_sign_in(browser: httpx.AsyncClient) -> None:
    shown = await browser.get("/profile")
    assert (shown.status_code, shown.headers["location"]) == (303, "/sign-in?next=/profile")


# --- the avoid list ---


async def _open_event(
    session: AsyncSession, club: Organization, status: EventStatus = EventStatus.OPEN
) -> Event:
    return await create_event(session, club, status=status, title="Spring pairs")


async def _avoided(session: AsyncSession, event: Event, user: User) -> set[int]:
    rows = await session.scalars(
        select(PairRule.user_b_id)
        .where(
            PairRule.event_id == event.id,
            PairRule.kind == PairRuleKind.AVOID,
            PairRule.user_a_id == user.id,
        )
        .execution_options(populate_existing=True)
    )
    return set(rows)


async def test_avoid_list_adds_refuses_and_removes(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    event = await _open_event(session, club)
    ada = await _member(session, club, "Ada", "Lovelace", signs_in=True)
    grace = await _member(session, club, "Grace", "Hopper")
    await _member(session, club, "Alan", "Turing")  # a member, but not registered
    for user in (ada, grace):
        await create_registration(session, event, user)
    await sign_in(browser, "ada@example.edu")
    event_page = (await browser.get(f"/events/{event.id}")).text
    assert f'href="/events/{event.id}/avoid"' in event_page
    url = f"/events/{event.id}/avoid"
    empty = await browser.get(url)
    assert empty.status_code == 200 and "Your list is empty" in empty.text
    token = csrf_token_of(empty.text)

    added = await browser.post(url, data={"csrf_token": token, "email": " Grace@Example.edu "})
    assert (added.status_code, added.headers["location"]) == (303, url)
    assert await _avoided(session, event, ada) == {grace.id}
    listed = (await browser.get(url)).text
    assert "Added to your list." in listed and "Grace Hopper" in listed
    assert "Your list (1 of 10)" in listed

    for email, reason in (
        ("alan@example.edu", "Nobody registered for this event has this address."),
        ("ada@example.edu", "That is you."),
        ("not an address", "email"),
    ):
        refused = await browser.post(url, data={"csrf_token": token, "email": email})
        assert refused.status_code == 422, email
        assert 'id="email-error"' in refused.text and reason in refused.text
        assert "Grace Hopper" in refused.text  # the list as it is
    kept = await browser.post(url, data={"csrf_token": token, "email": "alan@example.edu"})
    assert 'value="alan@example.edu"' in kept.text  # the address comes back to be corrected
    assert await _avoided(session, event, ada) == {grace.id}
    twice = await browser.post(url, data={"csrf_token": token, "email": "grace@example.edu"})
    assert twice.status_code == 303
    assert "already on your list" in (await browser.get(url)).text

    removed = await browser.post(
        url + "/remove", data={"csrf_token": token, "user_id": str(grace.id)}
    )
    assert (removed.status_code, removed.headers["location"]) == (303, url)
    assert await _avoided(session, event, ada) == set()
    assert "Removed from your list." in (await browser.get(url)).text
    assert (await browser.post(url, data={"email": "grace@example.edu"})).status_code == 403
    assert await _avoided(session, event, ada) == set()


async def test_avoid_list_limit_and_closed_event(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    event = await _open_event(session, club)
    ada = await _member(session, club, "Ada", "Lovelace", signs_in=True)
    await create_registration(session, event, ada)
    others = []
    for n in range(MAX_AVOID + 1):
        other = await _member(session, club, f"Person{n}", f"Number{n}")
        await create_registration(session, event, other)
        others.append(other)
    session.add_all(
        PairRule(
            event_id=event.id,
            kind=PairRuleKind.AVOID,
            user_a_id=ada.id,
            user_b_id=other.id,
            created_by_id=ada.id,
        )
        for other in others[:MAX_AVOID]
    )
    await session.commit()
    await sign_in(browser, "ada@example.edu")
    url = f"/events/{event.id}/avoid"
    full = (await browser.get(url)).text
    assert f"Your list ({MAX_AVOID} of {MAX_AVOID})" in full and "Your list is full" in full
    assert f'action="{url}"' not in full  # no add form
    refused = await browser.post(
        url, data={"csrf_token": csrf_token_of(full), "email": others[-1].email}
    )
    assert refused.status_code == 422 and "remove someone before adding another" in refused.text
    assert len(await _avoided(session, event, ada)) == MAX_AVOID

    await session.execute(
        update(Event).where(Event.id == event.id).values(status=EventStatus.CLOSED)
    )
    await session.commit()
    closed = (await browser.get(url)).text
    assert "The list can no longer be changed" in closed and "/avoid/remove" not in closed
    late = await browser.post(
        url + "/remove", data={"csrf_token": csrf_token_of(closed), "user_id": str(others[0].id)}
    )
    assert late.status_code == 409 and "registration is not open (the event is closed)" in late.text
    assert len(await _avoided(session, event, ada)) == MAX_AVOID


async def test_nobody_else_sees_a_students_avoid_list(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    event = await _open_event(session, club)
    ada = await _member(session, club, "Ada", "Lovelace", signs_in=True)
    grace = await _member(session, club, "Grace", "Hopper", signs_in=True)
    alan = await _member(session, club, "Alan", "Turing")
    for user in (ada, grace, alan):
        await create_registration(session, event, user)
    await sign_in(browser, "ada@example.edu")
    url = f"/events/{event.id}/avoid"
    token = csrf_token_of((await browser.get(url)).text)
    await browser.post(url, data={"csrf_token": token, "email": "alan@example.edu"})
    assert await _avoided(session, event, ada) == {alan.id}

    await _switch_to(browser, grace.email)
    theirs = await browser.get(url)
    assert theirs.status_code == 200 and "Your list is empty" in theirs.text
    for page in (theirs.text, (await browser.get(f"/events/{event.id}")).text):
        assert "Alan" not in page and "Ada" not in page and "Lovelace" not in page
    # removing someone from another student's list is not a thing: the form acts on one's own
    await browser.post(
        url + "/remove", data={"csrf_token": csrf_token_of(theirs.text), "user_id": str(alan.id)}
    )
    assert await _avoided(session, event, ada) == {alan.id}


async def test_avoid_page_sends_the_unregistered_to_the_event(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    event = await _open_event(session, club)
    await _member(session, club, "Ada", "Lovelace", signs_in=True)
    await sign_in(browser, "ada@example.edu")
    shown = await browser.get(f"/events/{event.id}/avoid")
    assert (shown.status_code, shown.headers["location"]) == (303, f"/events/{event.id}")
    assert "/avoid" not in (await browser.get(f"/events/{event.id}")).text


# --- my group ---


async def _published_groups(
    session: AsyncSession, club: Organization, *, published: bool = True
) -> tuple[Event, dict[str, User], dict[str, Registration]]:
    """Ada and Grace in one group, Alan and Edsger in another; Barbara registered, not placed."""
    event = await _open_event(
        session, club, EventStatus.PUBLISHED if published else EventStatus.CLOSED
    )
    people = {
        "ada": await _member(session, club, "Ada", "Lovelace", signs_in=True),
        "grace": await _member(session, club, "Grace", "Hopper"),
        "alan": await _member(session, club, "Alan", "Turing"),
        "edsger": await _member(session, club, "Edsger", "Dijkstra"),
    }
    registrations = {
        key: await create_registration(
            session, event, user, role=RegistrationRole.BIG if key == "ada" else None
        )
        for key, user in people.items()
    }
    groups = [[registrations["ada"], registrations["grace"]]]
    groups.append([registrations["alan"], registrations["edsger"]])
    await place_directly(session, event, groups, published=published)
    explained = {"ada": ("Engine: you both chose Tea.", "You two both love tea!")}
    explained["alan"] = ("Engine: secret reasons of another group.", "Alan's friendly words.")
    for key, (engine, friendly) in explained.items():
        await session.execute(
            update(PairingGroupMember)
            .where(PairingGroupMember.registration_id == registrations[key].id)
            .values(explanation=engine, friendly_explanation=friendly)
        )
    await session.commit()
    return event, people, registrations


async def test_my_group_shows_my_group_only_with_my_explanation(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    event, _, _ = await _published_groups(session, club)
    await sign_in(browser, "ada@example.edu")
    event_page = (await browser.get(f"/events/{event.id}")).text
    assert f'href="/events/{event.id}/group">See your group</a>' in event_page
    shown = await browser.get(f"/events/{event.id}/group")
    assert shown.status_code == 200
    html = shown.text
    assert "Ada Lovelace" in html and "(you)" in html and "Grace Hopper" in html
    assert 'href="mailto:grace@example.edu"' in html and "Big" in html
    assert "You two both love tea!" in html and "Engine: you both chose Tea." not in html
    for stranger in ("Alan", "Turing", "Edsger", "Dijkstra", "secret reasons", "friendly words"):
        assert stranger not in html


async def test_my_group_before_publish_and_when_not_placed(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await _club(session)
    event, people, _ = await _published_groups(session, club, published=False)
    await sign_in(browser, "ada@example.edu")
    assert "See your group" not in (await browser.get(f"/events/{event.id}")).text
    early = await browser.get(f"/events/{event.id}/group")
    assert early.status_code == 200
    assert "The groups of this event are not published yet" in early.text
    assert "Grace" not in early.text and "love tea" not in early.text

    later = await _open_event(session, club, EventStatus.PUBLISHED)
    await create_registration(session, later, people["ada"])
    grace = await create_registration(session, later, people["grace"])
    alan = await create_registration(session, later, people["alan"])
    await place_directly(session, later, [[grace, alan]], published=True)
    unplaced = await browser.get(f"/events/{later.id}/group")
    assert unplaced.status_code == 200 and "You are not in a group of this event." in unplaced.text
    assert "Grace" not in unplaced.text and "Turing" not in unplaced.text
