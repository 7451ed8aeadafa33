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
    # Organizations and their members (organizer pages).
    "organization-created": "Your organization is ready. Invite its members from Members.",
    "admin-requested": "Your request was sent to the organization's owners.",
    "role-changed": "The member's role was changed.",
    "member-removed": "The member was removed from the organization.",
    "invite-revoked": "The invite link was revoked: it no longer works.",
    "admin-request-approved": "The request was approved: the requester is now an admin.",
    "admin-request-denied": "The request was denied.",
}


def message_of(key: str | None) -> str | None:
    return MESSAGES.get(key) if key else None
