"""The questionnaire builder over HTTP: adding each type (options one per line), refusals with
what was typed kept, editing, moving up and down, deleting, copying another event's questions,
and what is frozen once the event is open (wording) and once published (weights), through the
questionnaire service the API calls, on both databases."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Event,
    EventStatus,
    Organization,
    Question,
    QuestionMode,
    QuestionType,
)
from tests.factories import create_event, create_organization, create_question, create_user
from tests.web.helpers import browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture

ORGANIZER = "organizer@example.edu"


async def _event(session: AsyncSession, status: EventStatus = EventStatus.DRAFT) -> Event:
    organizer = await create_user(session, ORGANIZER, password="correct horse battery")
    club = await create_organization(session, organizer, name="Chess Club")
    return await create_event(session, club, status=status, title="Spring pairs")


async def _questions(session: AsyncSession, event: Event) -> list[Question]:
    """The event's questions in order, as the app committed them."""
    rows = await session.scalars(
        select(Question)
        .where(Question.event_id == event.id)
        .order_by(Question.position, Question.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _post(
    browser: httpx.AsyncClient, page_url: str, url: str, **fields: str | list[str]
) -> httpx.Response:
    token = csrf_token_of((await browser.get(page_url)).text)
    return await browser.post(url, data={"csrf_token": token, **fields})


CHECKED = ["0", "1"]  # the hidden "0", then the checked box's "1"


def _question(prompt: str, type: str, **fields: str | list[str]) -> dict[str, str | list[str]]:
    """A question as the add form posts it (the checkbox after its hidden "0")."""
    base = {
        "prompt": prompt,
        "help_text": "",
        "type": type,
        "options": "",
        "scale_min": "1",
        "scale_max": "5",
        "weight": "1",
        "mode": "similar",
        "required": "0",
    }
    return {**base, **fields}


async def test_add_each_type_and_refusals_keep_what_was_typed(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event = await _event(session)
    await sign_in(browser, ORGANIZER)
    url = f"/manage/events/{event.id}/questions"
    empty = await browser.get(url)
    assert empty.status_code == 200 and "No questions yet." in empty.text
    assert 'aria-current="page">Questionnaire</a>' in empty.text

    no_options = await _post(browser, url, url, **_question("Tea or coffee?", "single_choice"))
    assert no_options.status_code == 422
    assert (
        'id="options-error"' in no_options.text and "Tea or coffee?</textarea>" in no_options.text
    )
    upside_down = await _post(
        browser, url, url, **_question("How early?", "scale", scale_min="5", scale_max="1")
    )
    assert upside_down.status_code == 422
    assert "Scale_min (5) must be below scale_max (1)" in upside_down.text
    assert 'value="5"' in upside_down.text
    assert await _questions(session, event) == []

    added = [
        _question("Tea or coffee?", "single_choice", options=" Tea \n\nCoffee\n", required=CHECKED),
        _question(
            "Languages?", "multi_choice", options="French\nGerman", weight="2.5", mode="different"
        ),
        _question("How early do you get up?", "scale", scale_min="1", scale_max="7"),
        _question("Anything else?", "text", help_text="Optional."),
    ]
    for fields in added:
        done = await _post(browser, url, url, **fields)
        assert (done.status_code, done.headers["location"]) == (303, url)
    stored = await _questions(session, event)
    assert [(q.type, q.prompt) for q in stored] == [
        (QuestionType.SINGLE_CHOICE, "Tea or coffee?"),
        (QuestionType.MULTI_CHOICE, "Languages?"),
        (QuestionType.SCALE, "How early do you get up?"),
        (QuestionType.TEXT, "Anything else?"),
    ]
    choice, multi, scale, text = stored
    assert choice.options == ["Tea", "Coffee"] and choice.required
    assert multi.weight == 2.5 and multi.mode is QuestionMode.DIFFERENT and not multi.required
    assert (scale.scale_min, scale.scale_max, scale.options) == (1, 7, None)
    assert text.help_text == "Optional." and text.options is None
    listing = (await browser.get(url)).text
    assert "The question is added." in listing
    assert "<li>Tea</li><li>Coffee</li>" in listing and "1 to 7" in listing
    assert "Multiple choice" in listing and "Different" in listing


async def test_edit_move_delete_and_copy(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    event = await _event(session)
    first = await create_question(session, event, prompt="First?", position=0)
    second = await create_question(session, event, prompt="Second?", position=1)
    await sign_in(browser, ORGANIZER)
    url = f"/manage/events/{event.id}/questions"
    edit_url = f"{url}/{first.id}"
    form = (await browser.get(edit_url)).text
    assert "First?</textarea>" in form and "Tea\nCoffee</textarea>" in form

    bad = await _post(
        browser, edit_url, edit_url, **_question("", "single_choice", options="Tea\nCoffee")
    )
    assert bad.status_code == 422 and 'id="prompt-error"' in bad.text
    saved = await _post(
        browser,
        edit_url,
        edit_url,
        **_question("First, reworded?", "scale", scale_min="0", scale_max="10", weight="3"),
    )
    assert (saved.status_code, saved.headers["location"]) == (303, url)
    edited = (await _questions(session, event))[0]
    assert (edited.prompt, edited.type, edited.options) == (
        "First, reworded?",
        QuestionType.SCALE,
        None,
    )
    assert (edited.scale_min, edited.scale_max, edited.weight, edited.required) == (0, 10, 3, False)

    moved = await _post(browser, url, f"{url}/{second.id}/move", direction="up")
    assert moved.status_code == 303
    assert [q.id for q in await _questions(session, event)] == [second.id, first.id]
    await _post(browser, url, f"{url}/{second.id}/move", direction="down")
    assert [q.id for q in await _questions(session, event)] == [first.id, second.id]

    deleted = await _post(browser, url, f"{url}/{first.id}/delete")
    assert deleted.status_code == 303
    assert [q.id for q in await _questions(session, event)] == [second.id]
    gone = await browser.get(f"{url}/{first.id}")
    assert gone.status_code == 404 and "There is no such question" in gone.text

    club = await session.get(Organization, event.organization_id)
    assert club is not None
    earlier = await create_event(session, club, title="Autumn pairs")
    await create_question(session, earlier, prompt="Earlier A?", position=0)
    await create_question(session, earlier, prompt="Earlier B?", position=1, weight=4.0)
    page = (await browser.get(url)).text
    assert f'<option value="{earlier.id}">Autumn pairs (draft)</option>' in page
    copied = await _post(browser, url, f"{url}/copy", from_event_id=str(earlier.id))
    assert copied.status_code == 303
    after = await _questions(session, event)
    assert [q.prompt for q in after] == ["Second?", "Earlier A?", "Earlier B?"]
    assert after[2].weight == 4.0
    itself = await _post(browser, url, f"{url}/copy", from_event_id=str(event.id))
    assert itself.status_code == 422 and 'id="copy-error"' in itself.text
    assert len(await _questions(session, event)) == 3


async def test_frozen_once_open_and_weights_until_publish(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event = await _event(session, EventStatus.OPEN)
    question = await create_question(session, event, prompt="Tea or coffee?")
    await sign_in(browser, ORGANIZER)
    url = f"/manage/events/{event.id}/questions"
    listing = (await browser.get(url)).text
    assert 'id="frozen-note"' in listing and "fixed once the event has been opened" in listing
    assert "Add a question" not in listing and "/delete" not in listing and "/move" not in listing
    edit_url = f"{url}/{question.id}"
    form = (await browser.get(edit_url)).text
    assert 'id="prompt-locked"' in form and 'id="weight-locked"' not in form
    assert (
        '<textarea id="prompt" name="prompt" rows="2" aria-describedby="prompt-locked" disabled>'
        in form
    )

    # The form posts only what is not locked: the weight and mode change.
    weighed = await _post(browser, edit_url, edit_url, weight="5", mode="different")
    assert weighed.status_code == 303
    stored = (await _questions(session, event))[0]
    assert (stored.weight, stored.mode, stored.prompt) == (
        5,
        QuestionMode.DIFFERENT,
        "Tea or coffee?",
    )
    # A hand-made post that changes the wording, an added question, a deletion: refused (409).
    reworded = await _post(browser, edit_url, edit_url, prompt="Coffee or tea?", weight="5")
    assert reworded.status_code == 409
    assert "Prompt cannot change once the event has been opened" in reworded.text
    added = await _post(browser, url, url, **_question("More?", "text"))
    assert added.status_code == 409 and "frozen once the event has been opened" in added.text
    deleted = await _post(browser, url, f"{url}/{question.id}/delete")
    assert deleted.status_code == 409 and 'id="list-error"' in deleted.text
    moved = await _post(browser, url, f"{url}/{question.id}/move", direction="up")
    assert moved.status_code == 409
    assert [(q.prompt, q.weight) for q in await _questions(session, event)] == [
        ("Tea or coffee?", 5)
    ]

    event.status = EventStatus.PUBLISHED
    await session.commit()
    published = (await browser.get(edit_url)).text
    assert 'id="weight-locked"' in published and "fixed once the event is published" in published
    assert "Save the question" not in published
    late = await _post(browser, edit_url, edit_url, weight="1")
    assert (
        late.status_code == 409 and "Weight cannot change once the event is published" in late.text
    )
    assert (await _questions(session, event))[0].weight == 5
