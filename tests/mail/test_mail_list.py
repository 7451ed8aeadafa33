"""GET /events/{event_id}/mail: an event's messages for its admins, newest first, paginated,
with status and the last error; nobody else's, and not for members."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import EventStatus, MailMessage, MembershipRole
from tests.factories import add_member, auth_headers, create_event, create_organization, create_user


def record(event_id: int | None, n: int, **fields: Any) -> MailMessage:
    values: dict[str, Any] = {
        "recipient": f"person{n}@example.edu",
        "template": "introduction",
        "subject": f"Meet your group {n}",
        "status": "sent",
        "attempts": 1,
        "event_id": event_id,
        "next_attempt_at": utcnow(),
        "sent_at": utcnow(),
    }
    values.update(fields)
    return MailMessage(**values)


async def test_admins_see_their_event_s_messages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    member = await create_user(session)
    org = await create_organization(session, owner)
    await add_member(session, org, member, MembershipRole.MEMBER)
    event = await create_event(session, org, status=EventStatus.OPEN)  # members see it
    other_event = await create_event(session, org)
    session.add_all(
        [
            record(event.id, 1),
            record(
                event.id,
                2,
                status="failed",
                last_error="the mail server answered 550 5.1.1 No such user",
                sent_at=None,
            ),
            record(event.id, 3, status="queued", attempts=0, sent_at=None),
            record(other_event.id, 4),
            record(None, 5),
        ]
    )
    await session.commit()
    url = f"/api/v1/events/{event.id}/mail"
    headers = await auth_headers(session, owner)

    listed = await client.get(url, headers=headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 3
    assert [item["recipient"] for item in body["items"]] == [
        "person3@example.edu",
        "person2@example.edu",
        "person1@example.edu",
    ]
    queued, failed, sent = body["items"]
    assert failed["status"] == "failed" and failed["last_error"].endswith("No such user")
    assert failed["next_attempt_at"] is None and queued["next_attempt_at"] is not None
    assert sent["sent_at"] is not None and "body_text" not in sent

    only_failed = await client.get(url, params={"status": "failed"}, headers=headers)
    assert [item["recipient"] for item in only_failed.json()["items"]] == ["person2@example.edu"]
    page = await client.get(url, params={"limit": 1, "offset": 1}, headers=headers)
    assert page.json()["total"] == 3 and len(page.json()["items"]) == 1

    as_member = await client.get(url, headers=await auth_headers(session, member))
    assert as_member.status_code == 403
