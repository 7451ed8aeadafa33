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
}


def message_of(key: str | None) -> str | None:
    return MESSAGES.get(key) if key else None
