"""The authorization matrix: for every registered route, the status each persona gets.

Personas (columns, in this order): anonymous, a signed-in stranger, a member and an admin of
*another* organization (org B), a member (a student, the lowest role), an admin and the owner
of org A, and a platform admin who is not a member of org A (nor of any organization). Per
DESIGN §2 and ``organizations/access.py`` a platform admin's one extra power is creating
organizations, which ``VARIANTS`` checks with creation turned off; everywhere else they answer
like the stranger: 404 on org A.

Path parameters resolve to real objects of the :mod:`tests.authz.world` (``{org_id}`` is org A,
``{user_id}`` org A's admin, ``{request_id}`` a pending admin request for org A), and a valid
body is sent where one is needed, so a status reflects who is asking, not a validation error.

To extend it (later issues): add one ``MATRIX`` entry per new (method, path template), add a
resolver to ``PATH_PARAMS`` for a new path parameter (e.g. ``"event_id": lambda w:
w.event.id``) and the object to ``World``. A registered route without an entry fails
``test_every_route_has_an_entry`` with its name. A route whose statuses depend on a setting gets
its default in ``MATRIX`` and one ``VARIANTS`` entry per other setting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.authz.world import SIGNIN_PASSWORD, World, signin_email
from tests.events.helpers import image_bytes

Resolver = Callable[[World], Any]

PATH_PARAMS: dict[str, Resolver] = {
    "org_id": lambda w: w.org_a.id,
    "user_id": lambda w: w.admin.id,
    "request_id": lambda w: w.pending_request.id,
    "invite_id": lambda w: w.invite.id,
    "event_id": lambda w: w.event.id,
    "question_id": lambda w: w.question.id,
    "registration_id": lambda w: w.registration.id,
    "run_id": lambda w: w.run.id,
    "number": lambda w: 1,  # a round's number (issue 12)
    "code": lambda w: w.invite_code,  # the console's invite link, /join/{code}
}


@dataclass(frozen=True)
class Case:
    """Expected statuses, one per persona, plus what the request needs to be valid."""

    anonymous: int
    stranger: int
    other_org_member: int
    other_org_admin: int
    member: int
    admin: int
    owner: int
    platform_admin: int
    body: Resolver | None = None
    files: Resolver | None = None  # a multipart upload instead of a JSON body
    query: dict[str, str | Resolver] = field(default_factory=dict)
    params: dict[str, Resolver] = field(default_factory=dict)  # overrides of PATH_PARAMS
    settings: dict[str, Any] = field(default_factory=dict)  # app settings for this case
    needs_signin: bool = False  # build the World's password account (slow: argon2)
    label: str = ""  # tells VARIANTS of one route apart (in the test id)
    page: bool = False  # a web console page: errors are HTML pages, not the JSON error shape
    download: bool = False  # a console download: a file when allowed, else a page or redirect
    note: str = ""

    def expected(self, persona: str) -> int:
        status: int = getattr(self, persona)
        return status


def everyone(status: int, **kwargs: Any) -> Case:
    return Case(status, status, status, status, status, status, status, status, **kwargs)


def signed_in(status: int, **kwargs: Any) -> Case:
    """401 for anonymous callers, ``status`` for every signed-in persona."""
    return Case(401, status, status, status, status, status, status, status, **kwargs)


ORG = "/api/v1/organizations/{org_id}"


def _new_org(world: World) -> dict[str, str]:
    return {"name": f"Matrix Club {world.tag}"}


def _new_email(world: World) -> str:
    return f"added.{world.tag}@example.edu"


def _manage_page(ok: int = 200, **kwargs: Any) -> Case:
    """A console page of org A or its event for its admins and owner: sign-in for anonymous
    visitors, ``ok`` for its admins and owner, the 403 page for its member (who sees org A and
    its event), the 404 page for everyone else."""
    return Case(303, 404, 404, 404, 403, ok, ok, 404, page=True, **kwargs)


MATRIX: dict[tuple[str, str], Case] = {
    # --- probes (outside /api/v1) ---
    ("GET", "/health"): everyone(200),
    ("GET", "/ready"): everyone(200),
    # --- the web console (outside /api/v1): pages redirect anonymous visitors to sign-in;
    # its POSTs need the form's CSRF token, which these requests lack: 403 for everyone
    # (tests/web signs in and out with the token) ---
    ("GET", "/"): everyone(303, page=True, note="to /events when signed in, else /sign-in"),
    ("GET", "/sign-in"): Case(200, 303, 303, 303, 303, 303, 303, 303, page=True),
    ("POST", "/sign-in"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/sign-out"): everyone(403, page=True, note="no CSRF token"),
    ("GET", "/events"): Case(303, 200, 200, 200, 200, 200, 200, 200, page=True),
    ("GET", "/sign-up"): Case(200, 303, 303, 303, 303, 303, 303, 303, page=True),
    ("POST", "/sign-up"): everyone(403, page=True, note="no CSRF token"),
    ("GET", "/join"): everyone(303, page=True, note="?code= links open /join/{code}"),
    # Org A's active invite: anyone signed in sees where it leads (members: "already a member").
    ("GET", "/join/{code}"): Case(303, 200, 200, 200, 200, 200, 200, 200, page=True),
    ("POST", "/join/{code}"): everyone(403, page=True, note="no CSRF token"),
    # Org A's members-only event: its members see it (all three are registered), others 404.
    ("GET", "/events/{event_id}"): Case(303, 404, 404, 404, 200, 200, 200, 404, page=True),
    ("GET", "/events/{event_id}/answers"): Case(303, 404, 404, 404, 200, 200, 200, 404, page=True),
    ("GET", "/events/{event_id}/withdraw"): Case(
        303, 404, 404, 404, 200, 200, 200, 404, page=True, note="the confirmation page"
    ),
    ("POST", "/events/{event_id}/register"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/events/{event_id}/answers"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/events/{event_id}/withdraw"): everyone(403, page=True, note="no CSRF token"),
    # The student's profile, avoid list and group (all three personas of org A are registered
    # for the open event: the group page says it is not published yet).
    ("GET", "/profile"): Case(303, 200, 200, 200, 200, 200, 200, 200, page=True),
    ("POST", "/profile"): everyone(403, page=True, note="no CSRF token"),
    # The account emails' pages (a link's GET only shows a button: anyone may open it) and the
    # profile's account forms.
    ("GET", "/verify-email"): everyone(200, page=True, query={"token": "matrix-link-token"}),
    ("POST", "/verify-email"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/verify-email/resend"): everyone(403, page=True, note="no CSRF token"),
    ("GET", "/forgot-password"): everyone(200, page=True),
    ("POST", "/forgot-password"): everyone(403, page=True, note="no CSRF token"),
    ("GET", "/reset-password"): everyone(200, page=True, query={"token": "matrix-link-token"}),
    ("POST", "/reset-password"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/profile/password"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/profile/sign-out-everywhere"): everyone(403, page=True, note="no CSRF token"),
    ("GET", "/events/{event_id}/avoid"): Case(303, 404, 404, 404, 200, 200, 200, 404, page=True),
    ("POST", "/events/{event_id}/avoid"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/events/{event_id}/avoid/remove"): everyone(403, page=True, note="no CSRF token"),
    ("GET", "/events/{event_id}/group"): Case(
        303, 404, 404, 404, 200, 200, 200, 404, page=True, note="200: not published yet"
    ),
    # Organizations (organizer pages): the list for anyone signed in; org A's overview for its
    # members (404 for everyone else); its members page for admins (403 for a member).
    ("GET", "/organizations"): Case(303, 200, 200, 200, 200, 200, 200, 200, page=True),
    ("POST", "/organizations"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/organizations/{org_id}/admin-requests"): everyone(
        403, page=True, note="no CSRF token"
    ),
    ("GET", "/organizations/{org_id}"): Case(303, 404, 404, 404, 200, 200, 200, 404, page=True),
    ("GET", "/organizations/{org_id}/members"): Case(
        303, 404, 404, 404, 403, 200, 200, 404, page=True
    ),
    **{
        ("POST", "/organizations/{org_id}" + action): everyone(403, page=True, note="no CSRF token")
        for action in (
            "/members/{user_id}/role",
            "/members/{user_id}/remove",
            "/members/add",
            "/members/import",
            "/invites",
            "/invites/{invite_id}/rotate",
            "/invites/{invite_id}/revoke",
            "/admin-requests/{request_id}/approve",
            "/admin-requests/{request_id}/deny",
        )
    },
    # Organizers' event pages (org A's admins and owner; its member sees the event: 403; the
    # others 404 as if it did not exist), and the questionnaire builder of org A's open event.
    ("GET", "/organizations/{org_id}/events/new"): _manage_page(),
    ("POST", "/organizations/{org_id}/events/new"): everyone(403, page=True, note="no CSRF"),
    ("GET", "/manage/events/{event_id}"): _manage_page(),
    ("POST", "/manage/events/{event_id}"): everyone(403, page=True, note="no CSRF token"),
    ("POST", "/manage/events/{event_id}/image"): everyone(403, page=True, note="no CSRF"),
    ("POST", "/manage/events/{event_id}/image/remove"): everyone(403, page=True, note="no CSRF"),
    ("POST", "/manage/events/{event_id}/lifecycle/{action}"): everyone(
        403, page=True, params={"action": lambda w: "close"}, note="no CSRF token"
    ),
    ("GET", "/manage/events/{event_id}/questions"): _manage_page(),
    ("POST", "/manage/events/{event_id}/questions"): everyone(403, page=True, note="no CSRF"),
    ("POST", "/manage/events/{event_id}/questions/copy"): everyone(
        403, page=True, note="no CSRF token"
    ),
    ("GET", "/manage/events/{event_id}/questions/{question_id}"): _manage_page(),
    ("POST", "/manage/events/{event_id}/questions/{question_id}"): everyone(
        403, page=True, note="no CSRF token"
    ),
    ("POST", "/manage/events/{event_id}/questions/{question_id}/delete"): everyone(
        403, page=True, note="no CSRF token"
    ),
    ("POST", "/manage/events/{event_id}/questions/{question_id}/move"): everyone(
        403, page=True, note="no CSRF token"
    ),
    # --- sign-in: open to everyone ---
    ("POST", "/api/v1/auth/signup"): everyone(
        202,
        body=lambda w: {
            "email": f"new.person.{w.tag}@example.edu",
            "password": "a long enough password",
            "first_name": "New",
        },
    ),
    ("POST", "/api/v1/auth/login"): everyone(
        200,
        body=lambda w: {"email": signin_email(w.tag), "password": SIGNIN_PASSWORD},
        needs_signin=True,
    ),
    ("POST", "/api/v1/auth/logout"): everyone(204, note="always 204, even when signed out"),
    ("GET", "/api/v1/auth/cas/login"): everyone(302, note="redirects to the CAS server"),
    ("GET", "/api/v1/auth/cas/callback"): everyone(
        401, note="no ticket: 401 whoever asks (tickets are tested in tests/auth)"
    ),
    # --- me: any signed-in user, about themself ---
    ("GET", "/api/v1/me"): signed_in(200),
    ("PATCH", "/api/v1/me"): signed_in(200, body=lambda w: {"first_name": "Renamed"}),
    ("GET", "/api/v1/me/profile"): signed_in(200),
    ("PUT", "/api/v1/me/profile"): signed_in(
        200,
        body=lambda w: {"class_year": 2027, "major": "History", "hobbies": ["Chess"], "bio": "hi"},
    ),
    # --- organizations ---
    ("POST", "/api/v1/organizations"): signed_in(
        201, body=_new_org, note="org creation allowed (the default); off: VARIANTS"
    ),
    ("GET", "/api/v1/organizations"): signed_in(200),
    ("GET", "/api/v1/organizations/joinable"): signed_in(200),
    # Case columns: anonymous, stranger, other_org_member, other_org_admin, member, admin, owner,
    # platform_admin.
    ("GET", ORG): Case(401, 404, 404, 404, 200, 200, 200, 404),
    ("PATCH", ORG): Case(
        401, 404, 404, 404, 403, 403, 200, 404, body=lambda w: {"description": "new"}
    ),
    # --- members ---
    ("GET", ORG + "/members"): Case(401, 404, 404, 404, 403, 200, 200, 404),
    ("PATCH", ORG + "/members/{user_id}"): Case(
        401, 404, 404, 404, 403, 403, 200, 404, body=lambda w: {"role": "owner"}
    ),
    ("DELETE", ORG + "/members/{user_id}"): Case(
        401, 404, 404, 404, 403, 403, 204, 404, note="removing an admin: owners; a member: VARIANTS"
    ),
    ("POST", ORG + "/leave"): Case(
        401, 404, 404, 404, 204, 204, 409, 404, note="409: the last owner"
    ),
    ("POST", ORG + "/members"): Case(
        401, 404, 404, 404, 403, 200, 200, 404, body=lambda w: {"emails": [_new_email(w)]}
    ),
    ("POST", ORG + "/members/import"): Case(
        401,
        404,
        404,
        404,
        403,
        200,
        200,
        404,
        files=lambda w: {"file": ("members.csv", f"email\n{_new_email(w)}\n".encode(), "text/csv")},
    ),
    # --- invites ---
    ("POST", ORG + "/invites"): Case(
        401, 404, 404, 404, 403, 201, 201, 404, body=lambda w: {"max_uses": 30}
    ),
    ("GET", ORG + "/invites"): Case(401, 404, 404, 404, 403, 200, 200, 404),
    ("POST", ORG + "/invites/{invite_id}/rotate"): Case(401, 404, 404, 404, 403, 200, 200, 404),
    ("POST", ORG + "/invites/{invite_id}/revoke"): Case(401, 404, 404, 404, 403, 200, 200, 404),
    ("POST", "/api/v1/organizations/join"): signed_in(
        200,
        body=lambda w: {"code": w.invite_code},
        note="anyone with the code joins; members of org A keep their role (joined: false)",
    ),
    # --- admin requests ---
    ("POST", ORG + "/admin-requests"): Case(
        401,
        201,
        201,
        201,
        201,
        409,
        409,
        201,
        body=lambda w: {"message": "please"},
        note="409: already an admin or owner",
    ),
    ("GET", ORG + "/admin-requests"): Case(401, 404, 404, 404, 403, 403, 200, 404),
    ("POST", "/api/v1/admin-requests/bulk"): signed_in(
        200,
        body=lambda w: {"organization_ids": [w.org_a.id, w.org_b.id]},
        note="members get a per-organization 'skipped' result, not an error",
    ),
    ("POST", "/api/v1/admin-requests/{request_id}/approve"): Case(
        401, 404, 404, 404, 403, 403, 200, 404
    ),
    ("POST", "/api/v1/admin-requests/{request_id}/deny"): Case(
        401, 404, 404, 404, 403, 403, 200, 404
    ),
}

# --- events and questions (org A's members-only open event, unless a case says otherwise) ---
EVENT = "/api/v1/events/{event_id}"


def _png(world: World) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("banner.png", image_bytes("PNG"), "image/png")}


def _admin_only(ok: int, **kwargs: Any) -> Case:
    """Org A's admins and owner get ``ok``; its member 403 (they see the event); others 404."""
    return Case(401, 404, 404, 404, 403, ok, ok, 404, **kwargs)


def _visible(ok: int, **kwargs: Any) -> Case:
    """Everyone in org A gets ``ok``; the others cannot see the members-only event (404)."""
    return Case(401, 404, 404, 404, ok, ok, ok, 404, **kwargs)


_OPEN_409 = "409: the event is open"
MATRIX.update(
    {
        ("POST", ORG + "/events"): _admin_only(201, body=lambda w: {"title": "New event"}),
        ("GET", ORG + "/events"): _admin_only(200),
        ("GET", "/api/v1/events"): signed_in(200),
        ("GET", "/api/v1/events/registered"): signed_in(200),
        ("GET", EVENT): _visible(200),
        ("PATCH", EVENT): _admin_only(200, body=lambda w: {"description": "new"}),
        ("DELETE", EVENT): _admin_only(409, note="409: only drafts can be deleted"),
        ("POST", EVENT + "/open"): _admin_only(409, note="409: already open"),
        ("POST", EVENT + "/close"): _admin_only(200),
        ("POST", EVENT + "/reopen"): _admin_only(409, note="409: not closed"),
        ("POST", EVENT + "/publish"): _admin_only(409, note="409: not closed, no pairing"),
        ("POST", EVENT + "/unpublish"): _admin_only(409, note="409: not published"),
        ("POST", EVENT + "/archive"): _admin_only(409, note=_OPEN_409),
        ("GET", EVENT + "/audit"): _admin_only(200),
        ("PUT", EVENT + "/image"): _admin_only(200, files=_png),
        ("DELETE", EVENT + "/image"): _admin_only(204),
        ("GET", EVENT + "/image"): _visible(200),
        ("GET", EVENT + "/questions"): _visible(200),
        ("POST", EVENT + "/questions"): _admin_only(
            409, body=lambda w: {"type": "text", "prompt": "Why?"}, note=_OPEN_409
        ),
        ("PUT", EVENT + "/questions/order"): _admin_only(
            409, body=lambda w: {"question_ids": [w.question.id]}, note=_OPEN_409
        ),
        ("POST", EVENT + "/questions/copy"): _admin_only(
            409, body=lambda w: {"from_event_id": w.draft_event.id}, note=_OPEN_409
        ),
        ("PATCH", "/api/v1/questions/{question_id}"): _admin_only(
            200, body=lambda w: {"weight": 2}, note="weights stay editable while open"
        ),
        ("DELETE", "/api/v1/questions/{question_id}"): _admin_only(409, note=_OPEN_409),
        ("GET", EVENT + "/analytics"): _admin_only(200),
    }
)

# --- registration (self) and what admins do with registrations ---
# Org A's owner, admin and member are registered for the members-only event (world.py).
MATRIX.update(
    {
        ("POST", EVENT + "/registration"): _visible(
            200, body=lambda w: {"role": "big"}, note="200: already registered (role changed)"
        ),
        ("GET", EVENT + "/registration"): _visible(200),
        ("DELETE", EVENT + "/registration"): _visible(204),
        ("GET", EVENT + "/registration/answers"): _visible(200),
        ("PUT", EVENT + "/registration/answers"): _visible(
            200, body=lambda w: {"answers": {str(w.question.id): "Tea"}}
        ),
        ("GET", EVENT + "/registration/avoid"): _visible(200),
        ("PUT", EVENT + "/registration/avoid"): _visible(
            200, body=lambda w: {"emails": [w.participant.email]}
        ),
        ("GET", EVENT + "/registrations"): _admin_only(200),
        ("POST", EVENT + "/registrations/summaries"): _admin_only(202),
        ("PATCH", "/api/v1/registrations/{registration_id}"): _admin_only(
            200, body=lambda w: {"role": "little"}
        ),
        ("GET", EVENT + "/pair-rules"): _admin_only(200),
        ("PUT", EVENT + "/pair-rules"): _admin_only(
            200, body=lambda w: {"never_pair": [[w.participant.id, w.member.id]]}
        ),
    }
)


def _responses(world: World) -> dict[str, tuple[str, bytes, str]]:
    content = f"Email Address,Role,Tea or coffee?\nimported.{world.tag}@example.edu,Big,Tea\n"
    return {"file": ("responses.csv", content.encode(), "text/csv")}


MATRIX.update(
    {
        ("POST", EVENT + "/import"): _admin_only(200, files=_responses),
        ("GET", EVENT + "/registrations/export"): _admin_only(200),
    }
)

# --- the console's organizer pages of registrations, analytics and pair rules: admins of the
# event's organization; members 403, everyone else 404, anonymous to sign-in (303) ---
_MANAGED = "/manage/events/{event_id}"


MATRIX.update(
    {
        ("GET", _MANAGED + "/registrations"): _manage_page(),
        ("GET", _MANAGED + "/registrations/{registration_id}"): _manage_page(),
        ("POST", _MANAGED + "/registrations/{registration_id}/role"): everyone(
            403, page=True, note="no CSRF token"
        ),
        ("POST", _MANAGED + "/registrations/summaries"): everyone(
            403, page=True, note="no CSRF token"
        ),
        ("GET", _MANAGED + "/registrations/import"): _manage_page(),
        ("POST", _MANAGED + "/registrations/import"): everyone(
            403, page=True, note="no CSRF token"
        ),
        ("GET", _MANAGED + "/registrations/export"): _manage_page(
            download=True, note="the CSV file for admins"
        ),
        ("GET", _MANAGED + "/analytics"): _manage_page(),
        ("GET", _MANAGED + "/rules"): _manage_page(),
        ("POST", _MANAGED + "/rules"): everyone(403, page=True, note="no CSRF token"),
        ("POST", _MANAGED + "/rules/remove"): everyone(403, page=True, note="no CSRF token"),
    }
)

# --- pairing runs (the members-only event has two complete registrations and a queued run) ---
MATRIX.update(
    {
        ("POST", EVENT + "/pairing-runs"): _admin_only(202, body=lambda w: {"seed": 1}),
        ("GET", EVENT + "/pairing-runs"): _admin_only(200),
        ("GET", EVENT + "/pairing-runs/compare"): _admin_only(
            200, query={"ids": lambda w: f"{w.queued_run.id},{w.queued_run.id}"}
        ),
        ("GET", "/api/v1/pairing-runs/{run_id}"): _admin_only(200, note="the succeeded run"),
        ("POST", "/api/v1/pairing-runs/{run_id}/cancel"): _admin_only(
            200, params={"run_id": lambda w: w.queued_run.id}
        ),
        ("POST", EVENT + "/pairing-settings/suggest"): _admin_only(
            409, body=lambda w: {"wish": "mix class years"}, note="409: no LLM (offline)"
        ),
    }
)

# --- the record of the event's LLM calls (admins) ---
MATRIX.update(
    {
        ("GET", EVENT + "/llm-calls"): _admin_only(200),
    }
)

# --- account emails (issue 12): confirming the address, password reset and change, signing
# out everywhere; the record of an event's mail (admins) ---
MATRIX.update(
    {
        ("POST", "/api/v1/auth/verify-email"): everyone(
            422,
            body=lambda w: {"token": "no-such-link-token"},
            note="the token alone decides (tests/mail confirms with real links)",
        ),
        # The personas' addresses are unconfirmed: each is sent a new link.
        ("POST", "/api/v1/auth/verify-email/resend"): signed_in(202),
        ("POST", "/api/v1/auth/password-reset"): everyone(
            202,
            body=lambda w: {"email": f"someone.{w.tag}@example.edu"},
            note="the same answer whether or not the address has an account",
        ),
        ("POST", "/api/v1/auth/password-reset/confirm"): everyone(
            422,
            body=lambda w: {"token": "no-such-link-token", "password": "a long enough password"},
            note="the token alone decides (tests/mail resets with real links)",
        ),
        ("POST", "/api/v1/auth/password"): signed_in(
            409,
            body=lambda w: {"current_password": "whatever it is", "new_password": "a new one!!"},
            note="409: the personas have no password (tests/mail changes one)",
        ),
        ("POST", "/api/v1/auth/sessions/revoke-all"): signed_in(204),
        ("GET", EVENT + "/mail"): _admin_only(200),
    }
)

# --- introductions, reminders and email preferences (issue 12) ---
MATRIX.update(
    {
        ("POST", EVENT + "/reminders"): _admin_only(202, note="org A's event is open"),
        ("GET", "/api/v1/me/email-preferences"): signed_in(200),
        ("PUT", "/api/v1/me/email-preferences"): signed_in(
            200, body=lambda w: {"introductions": True, "reminders": False}
        ),
        ("POST", "/manage/events/{event_id}/registrations/reminders"): everyone(
            403, page=True, note="no CSRF token"
        ),
        ("POST", "/profile/email-preferences"): everyone(403, page=True, note="no CSRF token"),
        ("GET", "/unsubscribe"): everyone(
            400, page=True, note="no token: the signed link alone decides (tests/mail)"
        ),
        ("POST", "/unsubscribe"): everyone(
            403, page=True, note="no CSRF token nor one-click body (tests/mail)"
        ),
    }
)

_PUBLIC = {"event_id": lambda w: w.public_event.id}
_DRAFT = {"event_id": lambda w: w.draft_event.id}
_CLOSED = {"event_id": lambda w: w.closed_event.id}
_PUBLISHED = {"event_id": lambda w: w.published_event.id}

# --- the working pairing (org A's closed event, its run adopted) and students' results ---
MATRIX.update(
    {
        ("GET", EVENT + "/pairing"): _admin_only(200, params=_CLOSED),
        ("PUT", EVENT + "/pairing"): _admin_only(
            200, params=_CLOSED, body=lambda w: {"run_id": w.run.id}
        ),
        ("POST", EVENT + "/pairing/edits"): _admin_only(
            200,
            params=_CLOSED,
            body=lambda w: {
                "version": w.pairing.version,
                "op": "lock",
                "group_id": w.pairing_group.id,
            },
        ),
        ("GET", EVENT + "/my-group"): _visible(409, params=_CLOSED, note="409: not published"),
        ("POST", EVENT + "/pairing/rerun"): _admin_only(
            202, params=_CLOSED, body=lambda w: {"version": w.pairing.version}
        ),
        ("GET", EVENT + "/pairing/export"): _admin_only(
            200, params=_CLOSED, query={"format": "txt"}
        ),
    }
)

# --- the console's working pairing page (web/pairing_router.py), on the same closed event ---
MANAGE_PAIRING = "/manage/events/{event_id}/pairing"


MATRIX.update(
    {
        ("GET", MANAGE_PAIRING): _manage_page(params=_CLOSED),
        # Not a format: the admins' 422 page (the files themselves: tests/web/test_pairing_page)
        ("GET", MANAGE_PAIRING + "/export"): _manage_page(
            422, params=_CLOSED, query={"format": "docx"}
        ),
        ("POST", MANAGE_PAIRING + "/edits"): everyone(403, page=True, note="no CSRF token"),
        ("POST", MANAGE_PAIRING + "/rerun"): everyone(403, page=True, note="no CSRF token"),
        ("POST", MANAGE_PAIRING + "/publish"): everyone(403, page=True, note="no CSRF token"),
        ("POST", MANAGE_PAIRING + "/unpublish"): everyone(403, page=True, note="no CSRF token"),
    }
)


# --- the console's pairing runs (web/runs_router.py), on the members-only event and its
# queued run: pages redirect anonymous visitors to sign-in and answer org A's member 403 (they
# see the event), others 404, as the API's AdminEvent; POSTs lack the CSRF token: 403 ---
RUN_PAGES = "/manage/events/{event_id}/runs"


MATRIX.update(
    {
        ("GET", RUN_PAGES): _manage_page(),
        ("POST", RUN_PAGES): everyone(403, page=True, note="no CSRF token"),
        ("POST", RUN_PAGES + "/suggest"): everyone(403, page=True, note="no CSRF token"),
        ("GET", RUN_PAGES + "/compare"): _manage_page(
            query={"ids": lambda w: f"{w.queued_run.id},{w.queued_run.id}"}
        ),
        ("GET", RUN_PAGES + "/{run_id}"): _manage_page(
            params={"run_id": lambda w: w.queued_run.id}, note="the queued run"
        ),
        ("POST", RUN_PAGES + "/{run_id}/cancel"): everyone(
            403, page=True, params={"run_id": lambda w: w.queued_run.id}, note="no CSRF token"
        ),
        ("POST", RUN_PAGES + "/{run_id}/adopt"): everyone(403, page=True, note="no CSRF token"),
    }
)


# --- recurring rounds (issue 12), on the members-only event, which is not recurring and has
# no rounds: admins list none and find no round 1 (404); the registered personas are told the
# event has no rounds to skip or pause (409) and find no round 1 to read (404) ---
ROUNDS = EVENT + "/rounds"


MATRIX.update(
    {
        ("GET", ROUNDS): _admin_only(200),
        ("POST", ROUNDS + "/{number}/publish"): _admin_only(404, note="404: no round 1"),
        ("POST", ROUNDS + "/{number}/skip"): _visible(409, note="409: not recurring"),
        ("GET", ROUNDS + "/{number}/my-group"): _visible(404, note="404: no round 1"),
        ("PUT", EVENT + "/registration/pause"): _visible(
            409, body=lambda w: {"paused": True}, note="409: not recurring"
        ),
    }
)


def _draft(ok: int, params: dict[str, Resolver] = _DRAFT, **kwargs: Any) -> Case:
    """On org A's draft: its admins and owner get ``ok``; everyone else, its member included,
    cannot see a draft (404)."""
    return Case(401, 404, 404, 404, 404, ok, ok, 404, params=params, label="draft", **kwargs)


# The other events of org A: (method, path, case), labelled.
EVENT_VARIANTS: list[tuple[str, str, Case]] = [
    ("GET", EVENT, Case(401, 200, 200, 200, 200, 200, 200, 200, params=_PUBLIC, label="public")),
    (
        "PATCH",
        EVENT,
        Case(
            401,
            403,
            403,
            403,
            403,
            200,
            200,
            403,
            params=_PUBLIC,
            label="public",
            body=lambda w: {"title": "Renamed"},
        ),
    ),
    (
        "GET",
        EVENT + "/questions",
        Case(401, 200, 200, 200, 200, 200, 200, 200, params=_PUBLIC, label="public"),
    ),
    ("GET", EVENT, _draft(200)),
    (
        "GET",
        EVENT + "/questions",
        _draft(200),
    ),
    ("DELETE", EVENT, _draft(204)),
    (
        "POST",
        EVENT + "/registration",
        Case(
            401,
            201,
            201,
            201,
            201,
            201,
            201,
            201,
            params=_PUBLIC,
            label="public",
            body=lambda w: {},
        ),
    ),
    ("POST", EVENT + "/registration", _draft(409, body=lambda w: {}, note="409: not open")),
    (
        "POST",
        EVENT + "/open",
        _draft(200),
    ),
    (
        "POST",
        EVENT + "/archive",
        _draft(200),
    ),
    (
        "POST",
        EVENT + "/questions",
        _draft(201, body=lambda w: {"type": "text", "prompt": "Why?"}),
    ),
    (
        "PUT",
        EVENT + "/questions/order",
        _draft(200, body=lambda w: {"question_ids": [w.draft_question.id]}),
    ),
    (
        "POST",
        EVENT + "/questions/copy",
        _draft(201, body=lambda w: {"from_event_id": w.event.id}),
    ),
    (
        "DELETE",
        "/api/v1/questions/{question_id}",
        _draft(204, params={"question_id": lambda w: w.draft_question.id}),
    ),
]

# The pairing's lifecycle and the students' results once published.
PAIRING_VARIANTS: list[tuple[str, str, Case]] = [
    ("POST", EVENT + "/publish", _admin_only(200, params=_CLOSED, label="closed, paired")),
    ("POST", EVENT + "/unpublish", _admin_only(200, params=_PUBLISHED, label="published")),
    (
        "POST",
        EVENT + "/publish",
        _admin_only(
            200,
            params=_CLOSED,
            body=lambda w: {"introduce": True, "message": "Hello!"},
            label="closed, paired, introduce",
        ),
    ),
    ("POST", EVENT + "/reminders", _admin_only(409, params=_CLOSED, label="closed")),
    (
        "GET",
        EVENT + "/my-group",
        # the member is placed; the admin and the owner did not register for it
        Case(401, 404, 404, 404, 200, 404, 404, 404, params=_PUBLISHED, label="published"),
    ),
    (
        "GET",
        "/events/{event_id}/group",
        # the console's page: the member sees their group; the admin and the owner, who did not
        # register, a sentence saying so
        Case(
            303, 404, 404, 404, 200, 200, 200, 404, params=_PUBLISHED, label="published", page=True
        ),
    ),
]

# Routes whose statuses depend on a setting (under the non-default value) or on the target
# (other ``params``): (method, path, case).
_VERIFIED_REQUIRED = {"require_verified_email": True}

VARIANTS: list[tuple[str, str, Case]] = [
    (
        "POST",
        "/api/v1/organizations",
        # Creation turned off by the operator: platform admins only.
        Case(
            401,
            403,
            403,
            403,
            403,
            403,
            403,
            201,
            body=_new_org,
            settings={"allow_org_creation": False},
        ),
    ),
    (
        "DELETE",
        ORG + "/members/{user_id}",
        # Removing a member (the lowest role): admins may; the member persona removing
        # themself must leave instead.
        Case(401, 404, 404, 404, 403, 204, 204, 404, params={"user_id": lambda w: w.member.id}),
    ),
    # Confirmed addresses required: the personas' are not, so nobody joins or registers.
    (
        "POST",
        "/api/v1/organizations/join",
        signed_in(403, body=lambda w: {"code": w.invite_code}, settings=_VERIFIED_REQUIRED),
    ),
    (
        "POST",
        EVENT + "/registration",
        signed_in(403, body=lambda w: {}, params=_PUBLIC, settings=_VERIFIED_REQUIRED),
    ),
]

VARIANTS += EVENT_VARIANTS + PAIRING_VARIANTS
