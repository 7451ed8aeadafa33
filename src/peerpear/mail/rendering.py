"""Messages from templates: ``templates/<name>.txt`` (the plain text) and ``<name>.html`` (a
simple HTML alternative, autoescaped), with the subject from ``TEMPLATES``.

Every message that is not transactional (introductions, reminders) must be given a
``preferences_url`` (the signed one-click link of mail/preferences.py); it is shown in the
footer and sent as ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058: a mail client
may POST there to unsubscribe). Account emails are transactional: the person asked for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from peerpear.mail.mailer import OutgoingMessage

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class MailTemplate:
    subject: str  # a Jinja template too (no HTML: it is autoescaped off)
    transactional: bool = True


VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
INTRODUCTION = "introduction"
REMINDER = "reminder"

TEMPLATES: dict[str, MailTemplate] = {
    VERIFY_EMAIL: MailTemplate("Confirm your email address for PeerPear"),
    PASSWORD_RESET: MailTemplate("Reset your PeerPear password"),
    PASSWORD_CHANGED: MailTemplate("Your PeerPear password was changed"),
    INTRODUCTION: MailTemplate("Meet your group for {{ event_title }}", transactional=False),
    REMINDER: MailTemplate("Finish your registration for {{ event_title }}", transactional=False),
}

UNSUBSCRIBE_HEADER = "List-Unsubscribe"


def unsubscribe_headers(value: str | None) -> dict[str, str]:
    """The headers of a message whose ``List-Unsubscribe`` is ``value`` (none: transactional),
    with RFC 8058's one-click POST."""
    if value is None:
        return {}
    return {UNSUBSCRIBE_HEADER: value, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


_environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render(name: str, to: str, context: dict[str, Any]) -> OutgoingMessage:
    """The message ``name`` for ``to``; KeyError for an unknown template, and StrictUndefined
    refuses a context that lacks a variable the template uses (a programming error)."""
    template = TEMPLATES[name]
    headers: dict[str, str] = {}
    if not template.transactional:
        preferences = context["preferences_url"]  # required: see the module's docstring
        headers = unsubscribe_headers(f"<{preferences}>")
    values = {"transactional": template.transactional, **context}
    subject = _environment.from_string(template.subject).render(values)
    return OutgoingMessage(
        to=to,
        subject=" ".join(subject.split()),
        text=_environment.get_template(f"{name}.txt").render(values),
        html=_environment.get_template(f"{name}.html").render(values),
        headers=headers,
    )
