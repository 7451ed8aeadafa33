"""CAS single sign-on: build the login URL, validate tickets, find or create the user.

python-cas is synchronous (it uses requests), so validation runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from xml.etree.ElementTree import ParseError

import cas
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.schemas import NAME_LENGTH
from peerpear.auth.sessions import revoke_all_sessions
from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized
from peerpear.models import Identity, IdentityProvider, User, normalize_email
from peerpear.models.user import EMAIL_LENGTH

logger = logging.getLogger("peerpear.auth.cas")

VALIDATION_TIMEOUT_S = 10.0
# Leaves room for "@<domain>" in the fallback email within the users.email column.
MAX_SUBJECT_LENGTH = 200


def normalize_subject(user: str) -> str:
    """The stored form of a CAS user id: stripped and lower-cased.

    CAS servers treat user ids case-insensitively (``jdoe`` and ``JDoe`` sign in the same
    person), so they are compared that way here too.
    """
    return user.strip().lower()


@dataclass(frozen=True)
class CasPrincipal:
    user: str
    attributes: dict[str, Any]


def safe_next(next_path: str | None) -> str | None:
    """``next`` when it is a local absolute path (no scheme, host or ``//``), else None.

    Anything else would let a crafted link bounce a freshly signed-in user to another site.
    """
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return None
    if "\\" in next_path or any(ord(c) < 32 for c in next_path) or len(next_path) > 2000:
        return None
    return next_path


def _service_url(settings: Settings, next_path: str | None) -> str:
    # CAS checks that validation names the same service URL as login, so `next` rides along in
    # the service URL itself and comes back on the callback.
    base = settings.cas_service_url
    if next_path is None:
        return base
    return f"{base}{'&' if '?' in base else '?'}{urlencode({'next': next_path})}"


def email_domain(settings: Settings) -> str:
    """``PEERPEAR_CAS_EMAIL_DOMAIN`` in normalized form (no ``@``, lower-case); one reading for
    the CAS fallback email and the refusal of local sign-ups at that domain, so both agree."""
    return settings.cas_email_domain.strip().lower().lstrip("@")


def ensure_configured(settings: Settings) -> None:
    if not settings.cas_server_url:
        raise NotFound("CAS single sign-on is not configured on this server")


def _client(settings: Settings, next_path: str | None) -> Any:
    ensure_configured(settings)
    server = settings.cas_server_url
    client = cas.CASClient(
        version=settings.cas_version,
        service_url=_service_url(settings, next_path),
        server_url=server if server.endswith("/") else server + "/",
    )
    # python-cas sets no timeout; without one a hung CAS server would hang the worker thread.
    client.session.request = functools.partial(client.session.request, timeout=VALIDATION_TIMEOUT_S)
    return client


def login_url(settings: Settings, next_path: str | None) -> str:
    """Where to send the browser to sign in at the CAS server."""
    return str(_client(settings, next_path).get_login_url())


def _verify(client: Any, ticket: str) -> tuple[Any, Any, Any]:
    result: tuple[Any, Any, Any] = client.verify_ticket(ticket)
    return result


async def validate_ticket(settings: Settings, ticket: str, next_path: str | None) -> CasPrincipal:
    """Ask the CAS server who ``ticket`` belongs to; 401 when it is not valid."""
    client = _client(settings, next_path)
    try:
        user, attributes, _ = await asyncio.to_thread(_verify, client, ticket)
    except (ParseError, IndexError, ValueError, AttributeError) as exc:
        # python-cas parses the XML reply naively: a truncated or foreign document raises
        # ParseError or IndexError, one without the CAS namespace ValueError, and a success
        # without a user AttributeError.
        logger.warning("unreadable CAS validation response: %r", exc)
        raise ServiceUnavailable("the CAS server gave an unreadable answer") from exc
    except OSError as exc:  # requests' errors derive from IOError
        logger.warning("CAS server unreachable: %s", exc)
        raise ServiceUnavailable("the CAS server could not be reached") from exc
    if not user or not str(user).strip():
        raise Unauthorized("CAS ticket is invalid or has expired")
    subject = normalize_subject(str(user))
    if len(subject) > MAX_SUBJECT_LENGTH:
        logger.warning("CAS user id of %d characters refused", len(subject))
        raise ServiceUnavailable("the CAS server gave an unusable user id")
    return CasPrincipal(user=subject, attributes=dict(attributes or {}))


def _attr(attributes: dict[str, Any], name: str) -> str:
    value = attributes.get(name)
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    return str(value).strip() if value else ""


def _names(attributes: dict[str, Any]) -> tuple[str, str]:
    first = _attr(attributes, "givenName")
    last = _attr(attributes, "sn")
    display = _attr(attributes, "displayName")
    if display and not (first and last):
        head, _, tail = display.partition(" ")
        first = first or head
        last = last or tail.strip()
    return first[:NAME_LENGTH], last[:NAME_LENGTH]


def _valid_mail(mail: str) -> str | None:
    if not mail or len(mail) > EMAIL_LENGTH:
        return None
    try:
        address = validate_email(mail, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    address = normalize_email(address)
    return address if len(address) <= EMAIL_LENGTH else None


def email_of(principal: CasPrincipal, settings: Settings) -> str:
    """The ``mail`` attribute when it is a valid address that fits, else ``<id>@<domain>``."""
    mail = _attr(principal.attributes, "mail")
    valid = _valid_mail(mail)
    if mail and valid is None:
        logger.warning("CAS user %s: unusable mail attribute ignored", principal.user)
    return valid or normalize_email(f"{principal.user}@{email_domain(settings)}")


async def find_or_create_user(
    db: AsyncSession, settings: Settings, principal: CasPrincipal
) -> User:
    """The user behind a validated CAS principal, created (or linked by email) on first sign-in."""
    subject = normalize_subject(principal.user)
    user = await db.scalar(
        select(User)
        .join(Identity, Identity.user_id == User.id)
        .where(Identity.provider == IdentityProvider.CAS, Identity.subject == subject)
    )
    if user is None:
        # An identity stored before ids were normalized: adopt it, in the normalized form.
        legacy = await db.scalar(
            select(Identity).where(
                Identity.provider == IdentityProvider.CAS,
                func.lower(func.trim(Identity.subject)) == subject,
            )
        )
        if legacy is not None:
            legacy.subject = subject
            user = await db.get(User, legacy.user_id)
    if user is None:
        email = email_of(principal, settings)
        user = await db.scalar(select(User).where(User.email == email))
        first, last = _names(principal.attributes)
        if user is None:
            user = User(email=email, first_name=first or subject[:NAME_LENGTH], last_name=last)
            db.add(user)
        else:
            # An existing account with this email: CAS proves the person owns the address, but a
            # local sign-up never did. Link the CAS id, and drop the local password and every
            # session, so whoever signed up with this address beforehand loses access to it.
            user.first_name = user.first_name or first
            user.last_name = user.last_name or last
            removed = await db.execute(
                delete(Identity).where(
                    Identity.user_id == user.id, Identity.provider == IdentityProvider.LOCAL
                )
            )
            if getattr(removed, "rowcount", 0):
                logger.warning(
                    "CAS user %s linked to account %s: its local password was removed and its "
                    "sessions revoked",
                    principal.user,
                    user.id,
                )
            await revoke_all_sessions(db, user.id)
        try:
            await db.flush()
            db.add(Identity(user_id=user.id, provider=IdentityProvider.CAS, subject=subject))
            await db.flush()
        except IntegrityError as exc:
            raise Conflict(
                f"the account {email} is already linked to another CAS user, or a sign-in for "
                "it is in progress; try again"
            ) from exc
    if not user.is_active:
        raise Forbidden("this account is disabled")
    if user.email_verified_at is None:
        # CAS vouches for the address (its own, or the mail attribute it sends).
        user.email_verified_at = utcnow()
    return user
