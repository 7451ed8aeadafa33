"""Email preferences in the console (issue 12): the signed-in person's choices on their profile
page, and the one-click unsubscribe page every introduction and reminder links to.

``/unsubscribe?token=...`` works without signing in: the signed token (mail/preferences.py)
names the person and the kind of mail. GET shows a button; POST turns that kind off. A POST
with the body ``List-Unsubscribe=One-Click`` is a mail client's RFC 8058 one-click request,
which carries no CSRF token and needs none: the signed token is the whole authority, and the
only thing a forged request could do is what the link's owner asked for.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from peerpear.auth.deps import OptionalUser
from peerpear.deps import SessionDep
from peerpear.mail import preferences
from peerpear.mail.preferences import UNSUBSCRIBE_PATH, EmailPreferences, Kind
from peerpear.models import User
from peerpear.web.deps import (
    PostedForm,
    SignedIn,
    checked_form,
    csrf_refused,
    page,
    redirect,
    settings_of,
)

router = APIRouter(include_in_schema=False)

ONE_CLICK = "One-Click"
MAX_TOKEN = 200
KIND_WORDS = {
    "introductions": "introductions to your group when an event is published",
    "reminders": "reminders to finish a questionnaire before its deadline",
}


def _unsubscribe_page(
    request: Request,
    user: User | None,
    token: str,
    kind: Kind | None,
    *,
    done: bool = False,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    return page(
        request,
        "unsubscribe.html",
        title="Email preferences",
        user=user,
        status_code=status_code,
        token=token,
        kind_words=KIND_WORDS[kind] if kind is not None else None,
        done=done,
    )


@router.get(UNSUBSCRIBE_PATH)
async def unsubscribe_form(request: Request, user: OptionalUser, db: SessionDep) -> Response:
    token = request.query_params.get("token", "")[:MAX_TOKEN]
    found = await preferences.redeem(db, settings_of(request), token)
    if found is None:
        return _unsubscribe_page(request, user, "", None, status_code=400)
    return _unsubscribe_page(request, user, token, found[1])


@router.post(UNSUBSCRIBE_PATH)
async def unsubscribe(request: Request, user: OptionalUser, db: SessionDep) -> Response:
    form = await request.form()
    if form.get("List-Unsubscribe") != ONE_CLICK and await checked_form(request) is None:
        return csrf_refused(request, user)
    token = str(form.get("token") or request.query_params.get("token") or "")[:MAX_TOKEN]
    found = await preferences.redeem(db, settings_of(request), token)
    if found is None:
        return _unsubscribe_page(request, user, "", None, status_code=400)
    person, kind = found
    await preferences.unsubscribe(db, person, kind)
    return _unsubscribe_page(request, user, token, kind, done=True)


@router.post("/profile/email-preferences")
async def save_email_preferences(
    request: Request, form: PostedForm, user: SignedIn, db: SessionDep
) -> Response:
    chosen = EmailPreferences(
        introductions=form.get("introductions") == "yes",
        reminders=form.get("reminders") == "yes",
    )
    await preferences.set_preferences(db, user, chosen)
    return redirect("/profile#email-preferences", flash_key="email-preferences-saved")
