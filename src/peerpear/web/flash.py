"""Flash messages: one short feedback line on the page after a redirect.

The cookie carries only a key of :data:`MESSAGES`, never text: whatever a client puts there,
the page shows one of these lines or nothing.
"""

from __future__ import annotations

FLASH_COOKIE = "peerpear_flash"

MESSAGES: dict[str, str] = {
    "signed-in": "You are signed in.",
    "signed-out": "You are signed out.",
    "sign-in-required": "Please sign in to continue.",
    "signed-up": "Your account is ready and you are signed in.",
    # Neutral on purpose: the sign-up page does not say whether the address had an account.
    "signed-up-sign-in": "If this address is new, its account is ready. Sign in to continue.",
    "joined": "You joined the organization.",
    "already-member": "You were already a member of this organization.",
    "registered": "You are registered.",
    "saved": "Saved.",
    "withdrawn": "You withdrew from the event.",
    # The student's profile and avoid list.
    "profile-saved": "Your profile is saved.",
    "avoid-added": "Added to your list.",
    "avoid-removed": "Removed from your list.",
    "avoid-unchanged": "That person is already on your list.",
    # Organizers: an event and its questionnaire (manage_event_router, questions_router).
    "event-created": "The event is created as a draft.",
    "event-saved": "The event's details are saved.",
    "event-image-set": "The image is saved.",
    "event-image-removed": "The image is removed.",
    "event-open": "Registration is open.",
    "event-close": "Registration is closed.",
    "event-reopen": "Registration is open again.",
    "event-publish": "The pairing is published.",
    "event-unpublish": "The pairing is unpublished.",
    "event-archive": "The event is archived.",
    "event-deleted": "The draft event is deleted.",
    "question-added": "The question is added.",
    "question-saved": "The question is saved.",
    "question-deleted": "The question is deleted.",
    "question-moved": "The question is moved.",
    "questions-copied": "The questions are copied.",
}


def message_of(key: str | None) -> str | None:
    return MESSAGES.get(key) if key else None
