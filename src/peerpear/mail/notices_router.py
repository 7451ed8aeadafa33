"""Routes of the mail a person may turn off (issue 12): "send a reminder now" for an event's
admins, and the signed-in person's email preferences (thin: authorize, call a service)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, status

from peerpear.auth.deps import CurrentUser
from peerpear.deps import JobsDep, SessionDep, SettingsDep
from peerpear.events.deps import AdminEvent
from peerpear.mail import preferences
from peerpear.mail.delivery import enqueue_mail
from peerpear.mail.notice_schemas import RemindersQueued
from peerpear.mail.preferences import EmailPreferences
from peerpear.mail.reminders import queue_reminders
from peerpear.openapi import errors

router = APIRouter(tags=["mail"])


@router.post(
    "/events/{event_id:int}/reminders",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(403, 409, why={409: "The event is not open."}),
)
async def send_reminders(
    access: AdminEvent,
    db: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> RemindersQueued:
    """Remind now everyone registered for the open event whose questionnaire is unfinished
    (admins), except people who turned reminders off. The automatic reminder before the
    deadline still comes."""
    queued = await queue_reminders(db, settings, access.event)
    background.add_task(enqueue_mail, jobs, queued)
    return RemindersQueued(queued=len(queued))


@router.get("/me/email-preferences", tags=["me"])
async def get_email_preferences(user: CurrentUser) -> EmailPreferences:
    """Which emails that are not transactional you receive."""
    return preferences.preferences_of(user)


@router.put("/me/email-preferences", tags=["me"])
async def put_email_preferences(
    body: EmailPreferences, user: CurrentUser, db: SessionDep
) -> EmailPreferences:
    """Choose which emails you receive: introductions and reminders (account emails, such as
    a password reset, always come)."""
    return preferences.preferences_of(await preferences.set_preferences(db, user, body))
