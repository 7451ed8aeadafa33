"""A student's private list of people they would rather not be grouped with (``/avoid``).

The API identifies the people by email address and replaces the whole list at once
(``registrations.avoid.replace_avoid``); so do these forms: adding one person or removing one
sends the list as it will be, and the service checks it (participants only, not oneself, at
most ``MAX_AVOID``). No picker lists the event's participants: the API shows a student nobody's
registration but their own, so the page asks for the address of someone they know.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.deps import SessionDep
from peerpear.errors import InvalidState, NotFound, ValidationFailed
from peerpear.models import EventStatus, normalize_email
from peerpear.registrations.avoid import read_avoid, replace_avoid
from peerpear.registrations.schemas import MAX_AVOID, AvoidIn
from peerpear.web.deps import PostedForm, page, redirect
from peerpear.web.event_router import RegisteredEventPage
from peerpear.web.events_access import EventPage
from peerpear.web.text import readable, sentence

router = APIRouter(include_in_schema=False)

AVOID = "/events/{event_id:int}/avoid"
# Longest address the form passes on (the schema's own limit is lower).
_MAX_EMAIL = 320
LIST_FULL = f"Your list is full ({MAX_AVOID} people): remove someone before adding another."


async def _avoid_page(
    request: Request,
    loaded: EventPage,
    *,
    email: str = "",
    email_error: str | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    access = loaded.access
    listed = await read_avoid(loaded.db, access)
    return page(
        request,
        "avoid.html",
        title=f"People to avoid: {access.event.title}",
        user=access.user,
        status_code=status_code,
        current="events",
        event=access.event,
        people=listed.people,
        max_people=listed.max_people,
        is_open=access.event.status is EventStatus.OPEN,
        email=email,
        email_error=email_error,
        error=error,
    )


@router.get(AVOID)
async def avoid_list(request: Request, loaded: RegisteredEventPage) -> Response:
    return await _avoid_page(request, loaded)


def _refusals(details: Any, emails: list[str], typed_index: int | None) -> tuple[str | None, str]:
    """The service's or the schema's refusal as (message for the typed address, message for the
    page): a problem with the typed address goes next to its field; one with an address already
    on the list (its person withdrew since) or with the list's length, above the list."""
    about_typed: str | None = None
    others: list[str] = []
    for item in details if isinstance(details, list) else []:
        loc = [part for part in item.get("loc", []) if part != "body"]
        message = readable(item)
        index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        if index is None:  # the list as a whole: too long, most likely
            others.append(LIST_FULL if item.get("type") == "too_long" else sentence(message))
        elif index == typed_index:
            about_typed = about_typed or sentence(message)
        else:
            others.append(sentence(f"{emails[index]}: {message}"))
    general = " ".join(dict.fromkeys(others))
    if about_typed is None and not general:
        general = "The list could not be saved."
    return about_typed, general


async def _save(
    request: Request, loaded: EventPage, emails: list[str], *, typed: str = ""
) -> Response | None:
    """Replace the list with ``emails``; None when saved, else the page with the reason."""
    typed_index = emails.index(typed) if typed in emails else None
    try:
        body = AvoidIn.model_validate({"emails": emails})
        await replace_avoid(loaded.db, loaded.access, body)
    except ValidationError as invalid:
        details: Any = invalid.errors()
    except ValidationFailed as refused:
        details = refused.details
    except NotFound:  # withdrew in another tab: the event page says so
        return redirect(f"/events/{loaded.access.event.id}")
    except InvalidState as refused:
        return await _avoid_page(
            request, loaded, error=sentence(refused.message), status_code=status.HTTP_409_CONFLICT
        )
    else:
        return None
    email_error, error = _refusals(details, emails, typed_index)
    return await _avoid_page(
        request,
        loaded,
        email=typed,
        email_error=email_error,
        error=error or None,
        status_code=422,
    )


@router.post(AVOID)
async def add_to_avoid_list(
    request: Request, form: PostedForm, loaded: RegisteredEventPage, event_id: int, db: SessionDep
) -> Response:
    typed = str(form.get("email") or "")[:_MAX_EMAIL].strip()
    if not typed:
        return await _avoid_page(
            request,
            loaded,
            email_error="Enter the email address of a person registered for this event.",
            status_code=422,
        )
    listed = [person.email for person in (await read_avoid(db, loaded.access)).people]
    if normalize_email(typed) in listed:
        return redirect(f"/events/{event_id}/avoid", flash_key="avoid-unchanged")
    refused = await _save(request, loaded, [*listed, typed], typed=typed)
    return refused or redirect(f"/events/{event_id}/avoid", flash_key="avoid-added")


@router.post(AVOID + "/remove")
async def remove_from_avoid_list(
    request: Request, form: PostedForm, loaded: RegisteredEventPage, event_id: int, db: SessionDep
) -> Response:
    people = (await read_avoid(db, loaded.access)).people
    removed = str(form.get("user_id") or "")
    kept = [person.email for person in people if str(person.user_id) != removed]
    if len(kept) == len(people):  # not on the list (removed in another tab): nothing to do
        return redirect(f"/events/{event_id}/avoid")
    refused = await _save(request, loaded, kept)
    return refused or redirect(f"/events/{event_id}/avoid", flash_key="avoid-removed")
