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
    # Pairing runs (runs_router.py)
    "run-started": "The run has started.",
    "run-cancel-requested": "The run is being cancelled.",
    "run-adopted": "The run's groups are now the working pairing.",
    # Organizer pages: registrations, summaries, pair rules.
    "role-saved": "The role is saved.",
    "summaries-requested": "The summaries are being made; the list shows each one when ready.",
    "summaries-none": "Every complete registration already has a summary (tick the box to "
    "remake them).",
    "rule-added": "The rule is added.",
    "rule-removed": "The rule is removed.",
    # The working pairing (web/pairing_router.py): one key per edit op, then the other actions.
    "pairing-move": "Moved. The checks and figures below are up to date.",
    "pairing-swap": "Swapped. The checks and figures below are up to date.",
    "pairing-lock": "Group locked: a re-run keeps it as it is.",
    "pairing-unlock": "Group unlocked.",
    "pairing-exclude": "Left out of the pairing.",
    "pairing-include": "Included again: place them in a group.",
    "pairing-unplace": "Taken out of their group.",
    "pairing-rerun": "Re-run started: the locked groups stay, the rest is grouped anew.",
    "pairing-published": "Published: the students can see their groups.",
    "pairing-unpublished": "Unpublished: the students no longer see their groups.",
    # Organizations and their members (organizer pages).
    "organization-created": "Your organization is ready. Invite its members from Members.",
    "admin-requested": "Your request was sent to the organization's owners.",
    "role-changed": "The member's role was changed.",
    "member-removed": "The member was removed from the organization.",
    "invite-revoked": "The invite link was revoked: it no longer works.",
    "admin-request-approved": "The request was approved: the requester is now an admin.",
    "admin-request-denied": "The request was denied.",
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
    # Account emails and the profile's account part (account_router.py, profile_account_router.py).
    "email-verified": "Your email address is confirmed.",
    "verification-sent": "A new confirmation link is on its way to your address.",
    "already-verified": "Your email address is already confirmed.",
    # Neutral on purpose: the page does not say whether the address has an account.
    "reset-requested": "If this address has an account with a password, a link to reset it is on "
    "its way; it works once, for a limited time.",
    "password-reset": "Your password is set. Sign in with your new password.",
    "password-changed": "Your password is changed; your other devices are signed out.",
    "signed-out-everywhere": "You are signed out on every device and browser.",
    # Email preferences and unsubscribe links (web/notices_router.py).
    "email-preferences-saved": "Your email preferences are saved.",
}

# Lines that say a number: the cookie holds ``<key>:<count>`` (digits only), still never text;
# each key has its line for none, for one and for many. Reminders sent now (notices_router.py).
COUNTED: dict[str, tuple[str, str, str]] = {
    "reminders-queued": (
        "Nobody to remind: every registration is complete, or its person turned reminders off.",
        "1 reminder is on its way to the one person who has not finished the questionnaire.",
        "{count} reminders are on their way to the people who have not finished the questionnaire.",
    ),
}


def counted(key: str, count: int) -> str:
    """The flash key of a :data:`COUNTED` line for ``count``."""
    return f"{key}:{count}"


def message_of(key: str | None) -> str | None:
    if not key:
        return None
    name, _, count = key.partition(":")
    if name in COUNTED and count.isdigit() and len(count) <= 9:
        none, one, many = COUNTED[name]
        number = int(count)
        return none if number == 0 else one if number == 1 else many.format(count=number)
    return MESSAGES.get(key)
