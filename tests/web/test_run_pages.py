"""An organizer's pairing-run pages over HTTP: the start form (refusals per field with the typed
values kept, the service's 409s), a run started on the page completing on the in-process queue
with its groups and metrics, cancelling, comparing two runs and adopting one as the working
pairing; through the services the API calls, on both databases."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    EventStatus,
    MembershipRole,
    Pairing,
    PairingGroupMember,
    PairingRun,
    RunStatus,
)
from tests.factories import add_member, create_user
from tests.llm_double import ScriptedLLM, install_llm
from tests.pairing.helpers import complete_program, jobs_done, succeeded_run
from tests.registrations.helpers import Program
from tests.web.helpers import PASSWORD, browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture

ORGANIZER = "organizer@example.edu"


async def _program(
    session: AsyncSession, people: int = 12, *, status: EventStatus = EventStatus.CLOSED
) -> tuple[Program, str]:
    """An event with ``people`` complete registrations, administered by ORGANIZER; its runs
    page's URL."""
    program = await complete_program(session, people, status=status)
    organizer = await create_user(session, ORGANIZER, password=PASSWORD, first_name="Olga")
    await add_member(session, program.club.org, organizer, MembershipRole.ADMIN)
    return program, f"/manage/events/{program.event.id}/runs"


async def _runs_of(session: AsyncSession, program: Program) -> list[PairingRun]:
    found = await session.scalars(
        select(PairingRun)
        .where(PairingRun.event_id == program.event.id)
        .order_by(PairingRun.id)
        .execution_options(populate_existing=True)  # what the app committed
    )
    return list(found)


def _valid_form(token: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "strategy": "optimizer",
        "objective": "fair",
        "seed": "3",
        **fields,
    }


async def test_bad_settings_come_back_per_field_with_what_was_typed(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 4)
    await sign_in(browser, ORGANIZER)
    listing = await browser.get(url)
    assert listing.status_code == 200
    assert "No runs yet" in listing.text and f'action="{url}"' in listing.text
    assert 'name="group_size"' in listing.text and 'value="0"' in listing.text  # the seed
    token = csrf_token_of(listing.text)
    weight = f"q{program.scale.id}_weight"
    refused = await browser.post(
        url,
        data=_valid_form(
            token, group_size="1", seed="three", min_size="6", max_size="3", **{weight: "-2"}
        ),
    )
    assert refused.status_code == 422
    html = refused.text
    assert 'id="group_size-error">Input should be greater than or equal to 2.<' in html
    assert 'id="seed-error">Input should be a valid integer' in html
    assert f'id="{weight}-error">Input should be greater than or equal to 0.<' in html
    assert 'value="1"' in html and 'value="three"' in html and 'value="-2"' in html
    assert "The run was not started" in html
    # The sizes' own check (the model's, once each value is fine) names the smaller one.
    crossed = await browser.post(url, data=_valid_form(token, min_size="6", max_size="3"))
    assert crossed.status_code == 422
    assert 'id="min_size-error">Min_size (6) must not exceed max_size (3).<' in crossed.text
    assert await _runs_of(session, program) == []


async def test_the_services_refusals_are_shown_as_sentences(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 1)
    await sign_in(browser, ORGANIZER)
    token = csrf_token_of((await browser.get(url)).text)
    few = await browser.post(url, data=_valid_form(token))
    assert few.status_code == 409
    assert "A run needs at least 2 complete registrations; the event has 1." in few.text
    model = await browser.post(url, data=_valid_form(token, strategy="llm"))
    assert model.status_code == 409
    assert re.search(r'id="strategy-error">Strategy llm needs a language model', model.text)
    suggested = await browser.post(
        url + "/suggest", data={"csrf_token": token, "wish": "mix class years"}
    )
    assert suggested.status_code == 409
    assert 'id="wish-error">No language model is configured' in suggested.text
    assert "mix class years</textarea>" in suggested.text
    assert await _runs_of(session, program) == []
    no_token = await browser.post(url, data={"seed": "1"})
    assert no_token.status_code == 403


async def test_a_run_started_on_the_page_completes_with_groups_and_metrics(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 12)
    await sign_in(browser, ORGANIZER)
    token = csrf_token_of((await browser.get(url)).text)
    rule = f"{program.single.id}:Tea"
    started = await browser.post(
        url,
        data={
            **_valid_form(token, mode="groups", group_size="3", time_limit_s="2"),
            "no_isolation": rule,
        },
    )
    assert started.status_code == 303, started.text
    [run] = await _runs_of(session, program)
    assert started.headers["location"] == f"{url}/{run.id}"
    assert run.parameters == {
        "mode": "groups",
        "group_size": 3,
        "seed": 3,
        "time_limit_s": 2.0,
        "use_profile": False,  # the box was not ticked
        "no_isolation": [{"question_id": program.single.id, "option": "Tea"}],
    }
    await jobs_done(app)
    done = await browser.get(f"{url}/{run.id}")
    html = done.text
    assert done.status_code == 200 and "Succeeded" in html
    assert 'http-equiv="refresh"' not in html and "<progress" not in html
    assert "Mean satisfaction" in html and "Worst-off" in html and "Groups (4)" in html
    names = re.findall(r"<li>(Student\d\d Last\d\d)", html)
    assert sorted(names) == sorted(f"Student{n:02d} Last{n:02d}" for n in range(12))
    assert "Use this run" in html and "Cancel run" not in html
    listing = (await browser.get(url)).text
    assert f'href="{url}/{run.id}"' in listing and "mode groups, group size 3, seed 3" in listing


async def test_a_queued_run_shows_progress_and_is_cancelled(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 4)
    queued = PairingRun(event_id=program.event.id, status=RunStatus.QUEUED, parameters={})
    session.add(queued)
    await session.commit()
    await sign_in(browser, ORGANIZER)
    waiting = await browser.get(f"{url}/{queued.id}")
    html = waiting.text
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<script src="/static/run_progress.js" defer></script>' in html
    assert f'data-run-url="/api/v1/pairing-runs/{queued.id}"' in html
    assert '<progress id="run-progress" max="1" value="0.0"' in html
    assert 'aria-live="polite"' in html and "Use this run" not in html
    cancelled = await browser.post(
        f"{url}/{queued.id}/cancel", data={"csrf_token": csrf_token_of(html)}
    )
    assert (cancelled.status_code, cancelled.headers["location"]) == (303, f"{url}/{queued.id}")
    [run] = await _runs_of(session, program)
    assert run.status is RunStatus.CANCELLED and run.cancel_requested
    after = await browser.get(f"{url}/{queued.id}")
    assert "The run is being cancelled." in after.text and "Cancelled" in after.text
    again = await browser.post(
        f"{url}/{queued.id}/cancel", data={"csrf_token": csrf_token_of(after.text)}
    )
    assert again.status_code == 409
    assert 'id="action-error">The run has already cancelled.<' in again.text


async def test_two_runs_side_by_side(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    program, url = await _program(session, 8)
    first = await succeeded_run(session, program.event)
    second = await succeeded_run(session, program.event)
    other = await complete_program(session, 2)
    elsewhere = await succeeded_run(session, other.event)
    await sign_in(browser, ORGANIZER)
    listing = (await browser.get(url)).text
    assert f'action="{url}/compare"' in listing and 'name="ids"' in listing
    for query in (f"ids={first.id},{second.id}", f"ids={first.id}&ids={second.id}"):
        compared = await browser.get(f"{url}/compare?{query}")
        assert compared.status_code == 200, compared.text
        assert f">Run {first.id}</a>" in compared.text and f">Run {second.id}</a>" in compared.text
        # The same solver on the same data: the very same pairs (4 pairs of people).
        assert f"Runs {first.id} and {second.id} group 4 pairs of people alike" in compared.text
    assert (await browser.get(f"{url}/compare?ids={first.id}")).status_code == 422
    foreign = await browser.get(f"{url}/compare?ids={first.id},{elsewhere.id}")
    assert foreign.status_code == 404
    assert f"Pairing run {elsewhere.id} not found in this event." in foreign.text
    assert (await browser.get(f"{url}/{elsewhere.id}")).status_code == 404


async def test_using_a_run_makes_it_the_working_pairing(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 6)
    run = await succeeded_run(session, program.event)
    await sign_in(browser, ORGANIZER)
    page = await browser.get(f"{url}/{run.id}")
    adopted = await browser.post(
        f"{url}/{run.id}/adopt", data={"csrf_token": csrf_token_of(page.text)}
    )
    assert adopted.status_code == 303
    assert adopted.headers["location"] == f"/manage/events/{program.event.id}/pairing"
    pairing = await session.scalar(
        select(Pairing)
        .where(Pairing.event_id == program.event.id)
        .execution_options(populate_existing=True)
    )
    assert pairing is not None and pairing.source_run_id == run.id and pairing.version == 1
    placed = await session.scalar(
        select(func.count()).where(PairingGroupMember.pairing_id == pairing.id)
    )
    assert placed == 6


async def test_a_run_of_an_open_event_is_not_adopted(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 4, status=EventStatus.OPEN)
    run = await succeeded_run(session, program.event)
    await sign_in(browser, ORGANIZER)
    page = await browser.get(f"{url}/{run.id}")
    refused = await browser.post(
        f"{url}/{run.id}/adopt", data={"csrf_token": csrf_token_of(page.text)}
    )
    assert refused.status_code == 409
    assert 'id="action-error">' in refused.text and "closed" in refused.text
    found = await session.scalar(select(Pairing).where(Pairing.event_id == program.event.id))
    assert found is None


async def test_only_the_events_admins_see_its_runs(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 2)
    member = await create_user(session, "member@example.edu", password=PASSWORD)
    await add_member(session, program.club.org, member, MembershipRole.MEMBER)
    anonymous = await browser.get(url)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in")
    await sign_in(browser, "member@example.edu")
    refused = await browser.get(url)
    assert refused.status_code == 403 and "Organizers only" in refused.text


async def test_bad_input_is_refused_never_a_500(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 2)
    await sign_in(browser, ORGANIZER)
    token = csrf_token_of((await browser.get(url)).text)
    huge = "99999999999999999999"
    assert (await browser.get(f"{url}/{huge}")).status_code == 404
    assert (await browser.get(f"/manage/events/{huge}/runs")).status_code == 404
    for ids in ("abc,def", f"1,{huge}", "1,2,3,4,5,6", "", "1,,2"):
        assert (await browser.get(f"{url}/compare", params={"ids": ids})).status_code == 422
    nul = await browser.post(url, data=_valid_form(token, mode="pa\x00irs", seed="1\x00"))
    assert nul.status_code == 422 and 'id="mode-error"' in nul.text
    rule = await browser.post(url, data={**_valid_form(token), "no_isolation": "x:\x00"})
    assert rule.status_code == 422 and 'id="no_isolation-error"' in rule.text
    unknown = await browser.post(url, data={**_valid_form(token), "no_isolation": "999999:Tea"})
    assert unknown.status_code == 422
    assert 'id="no_isolation-error">No such question in this event.<' in unknown.text
    wish = await browser.post(url + "/suggest", data={"csrf_token": token, "wish": "a\x00b"})
    assert wish.status_code == 422 and 'id="wish-error"' in wish.text
    assert await _runs_of(session, program) == []


async def test_suggested_settings_fill_the_form_for_review(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program, url = await _program(session, 8)
    proposal = {
        "mode": "groups",
        "group_size": 4,
        "questions": [{"question_id": program.single.id, "weight": 2, "mode": "different"}],
        "no_isolation": [{"question_id": program.multi.id, "option": "Hiking"}],
        "rationale": "Tea and coffee drinkers mix; hikers stay together.",
        "notes": ["Groups of four fit eight people."],
    }
    install_llm(app, ScriptedLLM(lambda purpose, instructions, data: proposal))
    await sign_in(browser, ORGANIZER)
    token = csrf_token_of((await browser.get(url)).text)
    wish = "mix tea and coffee people, keep hikers together"
    shown = await browser.post(url + "/suggest", data={"csrf_token": token, "wish": wish})
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert "Tea and coffee drinkers mix; hikers stay together." in html
    assert "<li>Groups of four fit eight people.</li>" in html and f">{wish}</textarea>" in html
    assert '<option value="groups" selected>' in html
    assert re.search(r'id="group_size" name="group_size" [^>]*value="4"', html)
    weight, mode = f"q{program.single.id}_weight", f"q{program.single.id}_mode"
    assert re.search(rf'id="{weight}" name="{weight}" [^>]*value="2"', html)
    assert re.search(rf'id="{mode}" name="{mode}">\s*<option value="">[^<]*</option>\s*'
                     r'<option value="similar">Similar</option>\s*'
                     r'<option value="different" selected>', html)  # fmt: skip
    assert f'value="{program.multi.id}:Hiking" checked' in html
    assert await _runs_of(session, program) == []  # nothing started


async def test_a_failed_run_says_why(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    program, url = await _program(session, 2)
    failed = PairingRun(
        event_id=program.event.id,
        status=RunStatus.FAILED,
        parameters={"mode": "groups", "min_size": 2, "max_size": 2},
        error="The rules cannot all hold: must-pair chains 3 people into groups of 2.",
    )
    session.add(failed)
    await session.commit()
    await sign_in(browser, ORGANIZER)
    html = (await browser.get(f"{url}/{failed.id}")).text
    assert 'id="run-error">The rules cannot all hold: must-pair chains 3 people' in html
    assert "Failed" in html and "mode groups, at least 2, at most 2" in html
    assert "Use this run" not in html and "Cancel run" not in html and "<progress" not in html
