"""The organizer's working pairing page over HTTP, on both databases: the groups with their
metrics and problems, edits without JavaScript (move, swap, lock, leave out) and as the
script sends them (the section alone), a stale version, a refused edit that changes nothing,
re-running the unlocked rest, publishing with people left out, unpublishing, and the exports."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event, EventStatus
from tests.pairing.helpers import (
    Paired,
    add_late_student,
    adopt,
    group_of,
    jobs_done,
    make_paired,
    members,
    succeeded_run,
)
from tests.web.helpers import browser, csrf_token_of

__all__ = ["browser"]  # the fixture

STALE = "Someone changed the pairing meanwhile; here is the current pairing."


def _page(paired: Paired) -> str:
    return f"/manage/events/{paired.event.id}/pairing"


async def _signed_in_owner(browser: httpx.AsyncClient, paired: Paired) -> None:
    # The owner's session, as a signed-in browser holds it (the API's bearer form of it).
    browser.headers.update(paired.headers)


async def _adopted(
    browser: httpx.AsyncClient, session: AsyncSession, students: int = 6
) -> tuple[Paired, dict[str, Any]]:
    paired = await make_paired(session, students)
    await _signed_in_owner(browser, paired)
    pairing = await adopt(browser, paired, await succeeded_run(session, paired.event))
    return paired, pairing


async def _current(browser: httpx.AsyncClient, paired: Paired) -> dict[str, Any]:
    response = await browser.get(paired.url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _post(
    browser: httpx.AsyncClient, paired: Paired, path: str, **fields: Any
) -> httpx.Response:
    token = csrf_token_of((await browser.get(_page(paired))).text)
    return await browser.post(_page(paired) + path, data={"csrf_token": token, **fields})


async def _status(session: AsyncSession, paired: Paired) -> EventStatus:
    status: EventStatus | None = await session.scalar(
        select(Event.status)
        .where(Event.id == paired.event.id)
        .execution_options(populate_existing=True)
    )
    assert status is not None
    return status


async def test_no_pairing_yet_points_to_the_runs(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    await _signed_in_owner(browser, paired)
    response = await browser.get(_page(paired))
    assert response.status_code == 200
    assert "There is no working pairing yet" in response.text
    assert f'href="/manage/events/{paired.event.id}/runs"' in response.text
    assert 'aria-current="page">Pairing</a>' in response.text


async def test_the_page_shows_groups_members_metrics_and_forms(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    response = await browser.get(_page(paired))
    assert response.status_code == 200
    html = response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    for group in pairing["groups"]:
        assert f'id="group-{group["id"]}-heading">Group {group["position"]}' in html
        for member in group["members"]:
            assert f"{member['first_name']} {member['last_name']}" in html
    mean = pairing["metrics"]["mean_satisfaction"]
    assert f'data-metric="mean">{mean:.2f}<' in html and 'aria-live="polite"' in html
    assert f'name="version" value="{pairing["version"]}"' in html
    assert 'src="/static/pairing.js"' in html and 'draggable="true"' in html
    assert "Lock group 0" in html and "Re-run the unlocked groups" in html
    assert "format=pdf" in html
    fragment = await browser.get(_page(paired) + "?fragment=1")
    assert fragment.status_code == 200
    assert not fragment.text.lstrip().lower().startswith("<!doctype")
    assert 'id="pairing-metrics"' in fragment.text and "<nav" not in fragment.text


async def test_move_without_javascript_redirects_and_changes_the_pairing(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    first, second = pairing["groups"][0], pairing["groups"][1]
    person = first["members"][0]["registration_id"]
    moved = await _post(
        browser,
        paired,
        "/edits",
        op="move",
        version=pairing["version"],
        registration_id=person,
        group_id=second["id"],
    )
    assert moved.status_code == 303 and moved.headers["location"] == _page(paired)
    after = await _current(browser, paired)
    assert after["version"] == pairing["version"] + 1
    assert group_of(after, person)["id"] == second["id"]
    shown = (await browser.get(_page(paired))).text
    assert "Moved. The checks and figures below are up to date." in shown


async def test_move_from_the_script_answers_the_section_with_new_figures(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    person = pairing["groups"][0]["members"][0]["registration_id"]
    moved = await _post(
        browser,
        paired,
        "/edits",
        op="move",
        version=pairing["version"],
        registration_id=person,
        group_id="new",  # a group of one: the validation says so
        fragment="1",
    )
    assert moved.status_code == 200
    html = moved.text
    assert not html.lstrip().lower().startswith("<!doctype")
    after = await _current(browser, paired)
    assert len(after["groups"]) == len(pairing["groups"]) + 1
    assert f'name="version" value="{after["version"]}"' in html
    assert "Moved." in html and 'class="validation problems"' in html
    alone = group_of(after, person)
    assert alone["members"] == [m for m in alone["members"] if m["registration_id"] == person]
    # The problem is shown on the card of the group it names.
    card_head = html.split(f'data-group-id="{alone["id"]}"')[1].split('class="members"')[0]
    assert "has 1 member" in card_head


async def test_swap_exchanges_two_people(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    paired, pairing = await _adopted(browser, session)
    a = pairing["groups"][0]["members"][0]["registration_id"]
    b = pairing["groups"][1]["members"][0]["registration_id"]
    swapped = await _post(
        browser,
        paired,
        "/edits",
        op="swap",
        version=pairing["version"],
        registration_a=a,
        registration_b=b,
    )
    assert swapped.status_code == 303
    after = await _current(browser, paired)
    assert group_of(after, a)["id"] == pairing["groups"][1]["id"]
    assert group_of(after, b)["id"] == pairing["groups"][0]["id"]


async def test_a_locked_group_refuses_a_move_and_nothing_changes(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    locked = pairing["groups"][0]
    done = await _post(
        browser, paired, "/edits", op="lock", version=pairing["version"], group_id=locked["id"]
    )
    assert done.status_code == 303
    after_lock = await _current(browser, paired)
    assert after_lock["groups"][0]["locked"] is True
    page = (await browser.get(_page(paired))).text
    assert "Group locked" in page and "Unlock group 0" in page and 'data-locked="1"' in page
    person = pairing["groups"][1]["members"][0]["registration_id"]
    refused = await _post(
        browser,
        paired,
        "/edits",
        op="move",
        version=after_lock["version"],
        registration_id=person,
        group_id=locked["id"],
    )
    assert refused.status_code == 409
    assert "Cannot move someone into the group: group 0 is locked; unlock it first." in refused.text
    # Rolled back entirely: not even the version moved.
    unchanged = await _current(browser, paired)
    assert unchanged["version"] == after_lock["version"]
    assert members(unchanged["groups"][0]) == members(locked)
    unlocked = await _post(
        browser, paired, "/edits", op="unlock", version=after_lock["version"], group_id=locked["id"]
    )
    assert unlocked.status_code == 303
    assert (await _current(browser, paired))["groups"][0]["locked"] is False


async def test_a_stale_version_answers_409_with_the_current_pairing(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    old = pairing["version"]
    group = pairing["groups"][0]
    assert await _post(browser, paired, "/edits", op="lock", version=old, group_id=group["id"])
    for fragment in ("0", "1"):
        stale = await _post(
            browser,
            paired,
            "/edits",
            op="unlock",
            version=old,
            group_id=group["id"],
            fragment=fragment,
        )
        assert stale.status_code == 409
        assert STALE in stale.text
        assert f'name="version" value="{old + 1}"' in stale.text
    current = await _current(browser, paired)
    assert current["version"] == old + 1 and current["groups"][0]["locked"] is True


async def test_a_form_that_is_not_an_edit_is_refused(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    bad = await _post(browser, paired, "/edits", op="teleport", version=pairing["version"])
    assert bad.status_code == 422 and "This edit was not understood" in bad.text
    no_token = await browser.post(
        _page(paired) + "/edits",
        data={"op": "lock", "version": pairing["version"], "group_id": pairing["groups"][0]["id"]},
    )
    assert no_token.status_code == 403
    assert (await _current(browser, paired))["version"] == pairing["version"]


async def test_rerun_keeps_the_locked_group_and_places_the_rest(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session, 8)
    locked = pairing["groups"][1]
    await _post(
        browser, paired, "/edits", op="lock", version=pairing["version"], group_id=locked["id"]
    )
    late = await add_late_student(session, paired)
    version = (await _current(browser, paired))["version"]
    started = await _post(browser, paired, "/rerun", version=version)
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.startswith(f"/manage/events/{paired.event.id}/runs/")
    run_id = int(location.rsplit("/", 1)[1])
    await jobs_done(app)
    run = (await browser.get(f"/api/v1/pairing-runs/{run_id}")).json()
    assert run["status"] == "succeeded" and run["applied_to_pairing"] is True, run
    after = await _current(browser, paired)
    kept = next(g for g in after["groups"] if g["id"] == locked["id"])
    assert kept["locked"] and members(kept) == members(locked)
    assert late.id in {rid for g in after["groups"] for rid in members(g)}
    stale = await _post(browser, paired, "/rerun", version=version)
    assert stale.status_code == 409 and STALE in stale.text


async def test_publish_refused_then_with_people_left_out_then_unpublish(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, _ = await _adopted(browser, session)
    late = await add_late_student(session, paired)
    late_two = await add_late_student(session, paired)
    version = (await _current(browser, paired))["version"]
    shown = (await browser.get(_page(paired))).text
    assert "Not placed (2)" in shown and f'name="exclude" value="{late.id}"' in shown
    refused = await _post(browser, paired, "/publish", version=version)
    assert refused.status_code == 409
    assert "Cannot publish this event" in refused.text
    assert "neither placed in a group nor excluded" in refused.text
    assert await _status(session, paired) is EventStatus.CLOSED
    # Leaving out one of the two is not enough: refused, and the exclusion undone too.
    partly = await _post(browser, paired, "/publish", version=version, exclude=[late.id])
    assert partly.status_code == 409
    assert (await _current(browser, paired))["excluded"] == []
    published = await _post(
        browser, paired, "/publish", version=version, exclude=[late.id, late_two.id]
    )
    assert published.status_code == 303, published.text
    assert await _status(session, paired) is EventStatus.PUBLISHED
    after = await _current(browser, paired)
    assert {p["registration_id"] for p in after["excluded"]} == {late.id, late_two.id}
    page = (await browser.get(_page(paired))).text
    assert "Published: the students can see their groups." in page
    assert "Unpublish" in page and "/pairing/edits" not in page
    assert "The pairing is published" in page
    refused_edit = await _post(
        browser, paired, "/edits", op="lock", version=after["version"],
        group_id=after["groups"][0]["id"],
    )  # fmt: skip
    assert refused_edit.status_code == 409
    assert "Cannot edit the pairing while the event is published" in refused_edit.text
    unpublished = await _post(browser, paired, "/unpublish")
    assert unpublished.status_code == 303
    assert await _status(session, paired) is EventStatus.CLOSED
    again = await _post(browser, paired, "/unpublish")
    assert again.status_code == 409 and "Cannot unpublish this event" in again.text


async def test_exports_answer_files_of_each_format(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(browser, session)
    names = [f"{m['first_name']} {m['last_name']}" for m in pairing["groups"][0]["members"]]
    expected = {"csv": "text/csv", "txt": "text/plain", "pdf": "application/pdf"}
    for fmt, media_type in expected.items():
        response = await browser.get(_page(paired) + f"/export?format={fmt}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["content-disposition"].startswith("attachment; filename=")
        if fmt == "pdf":
            assert response.content.startswith(b"%PDF")
        else:
            assert all(name.split()[0] in response.text for name in names)
    bad = await browser.get(_page(paired) + "/export?format=docx")
    assert bad.status_code == 422 and "Choose an export format" in bad.text


async def test_a_member_gets_the_organizers_only_page(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    browser.headers.update(paired.program.club.member_headers)
    response = await browser.get(_page(paired))
    assert response.status_code == 403 and "Organizers only" in response.text


async def test_leave_someone_out_then_include_them_again(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, _ = await _adopted(browser, session)
    late = await add_late_student(session, paired)
    version = (await _current(browser, paired))["version"]
    left_out = await _post(
        browser, paired, "/edits", op="exclude", version=version, registration_id=late.id
    )
    assert left_out.status_code == 303
    after = await _current(browser, paired)
    assert [p["registration_id"] for p in after["excluded"]] == [late.id]
    page = (await browser.get(_page(paired))).text
    assert "Left out of the pairing." in page and "Left out (1)" in page
    assert after["validation"]["ok"], after["validation"]
    included = await _post(
        browser,
        paired,
        "/edits",
        op="include",
        version=after["version"],
        registration_id=late.id,
        fragment="1",
    )
    assert included.status_code == 200 and "Not placed (1)" in included.text
    assert (await _current(browser, paired))["excluded"] == []
