"""The data every authorization-matrix request runs against.

Org A has an owner, an admin and a member (three of the personas); org B has its own owner, an
admin and a member (the "admin / member of another organization" personas); a stranger belongs
nowhere; a platform admin belongs nowhere either (DESIGN §2 gives platform admins one extra
power, creating organizations, and no implicit access to the ones they are not in); a requester
has a pending admin request for org A; org A has an active invite (and its code). Org A has a
members-only open event (with a question and an image), a public open event and a draft (with a
question). Org A's owner, admin and member are registered for the members-only event (a
big/little event) with a fourth registered member, the ``participant``; the member's and the
participant's registrations are complete, and the event has a queued pairing run. Org A also
has a closed
event all four registered for (complete), with a succeeded run that paired them (member with
participant, admin with owner) and that run adopted as its working pairing, and a published
event whose published pairing places the member with the participant (the admin and the owner
are not registered there). Later issues add their objects as fields here and path-parameter
resolvers in ``matrix.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.media import LocalDiskStorage
from peerpear.models import (
    AdminRequest,
    Event,
    EventStatus,
    EventVisibility,
    MembershipRole,
    Organization,
    OrganizationInvite,
    Pairing,
    PairingGroup,
    PairingRun,
    Question,
    Registration,
    RoleScheme,
    RunStatus,
    User,
)
from tests.conftest import TEST_MEDIA_DIR
from tests.events.helpers import image_bytes
from tests.factories import (
    add_member,
    create_admin_request,
    create_event,
    create_invite,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.pairing.helpers import place_directly, stored_run

PERSONAS = (
    "anonymous",
    "stranger",
    "other_org_member",
    "other_org_admin",
    "member",
    "admin",
    "owner",
    "platform_admin",
)

# The local password of ``World.signin`` (the one account the login route signs in).
SIGNIN_PASSWORD = "correct horse battery"


def signin_email(tag: str) -> str:
    return f"signin-{tag}@example.edu"


@dataclass
class World:
    tag: str  # distinguishes the worlds that share one database (one per persona)
    org_a: Organization
    owner: User
    admin: User
    member: User
    org_b: Organization
    owner_b: User
    other_org_admin: User
    other_org_member: User
    stranger: User
    platform_admin: User
    requester: User
    pending_request: AdminRequest
    invite: OrganizationInvite  # an active invite of org A
    invite_code: str
    signin: User | None
    # Org A's events: members-only and open (with a question and an image), public and open,
    # and a draft (with a question).
    event: Event
    question: Question
    public_event: Event
    draft_event: Event
    draft_question: Question
    # A member of org A registered for ``event`` (besides the owner, admin and member).
    participant: User
    registration: Registration  # the participant's
    queued_run: PairingRun  # of ``event``
    # Org A's closed, members-only event: its succeeded run, adopted (version 1), and the
    # pairing's first group (the member and the participant).
    closed_event: Event
    run: PairingRun
    pairing: Pairing
    pairing_group: PairingGroup
    # Org A's published, members-only event: the member and the participant in one group.
    published_event: Event

    def persona(self, name: str) -> User | None:
        """The user behind a persona name (None for anonymous)."""
        if name == "anonymous":
            return None
        user: User = getattr(self, name)
        return user


async def build_world(session: AsyncSession, tag: str, *, with_signin: bool = False) -> World:
    """A complete, committed world; names and emails carry ``tag`` so several can coexist."""
    owner = await create_user(session, first_name="Owner", last_name="A")
    admin = await create_user(session, first_name="Admin", last_name="A")
    org_a = await create_organization(session, owner, f"Org A {tag}")
    await add_member(session, org_a, admin, MembershipRole.ADMIN)
    member = await create_user(session, first_name="Member", last_name="A")
    await add_member(session, org_a, member, MembershipRole.MEMBER)
    owner_b = await create_user(session, first_name="Owner", last_name="B")
    other_org_admin = await create_user(session, first_name="Admin", last_name="B")
    org_b = await create_organization(session, owner_b, f"Org B {tag}")
    await add_member(session, org_b, other_org_admin, MembershipRole.ADMIN)
    other_org_member = await create_user(session, first_name="Member", last_name="B")
    await add_member(session, org_b, other_org_member, MembershipRole.MEMBER)
    stranger = await create_user(session, first_name="Stranger")
    platform_admin = await create_user(session, first_name="Platform", platform_admin=True)
    requester = await create_user(session, first_name="Requester")
    pending = await create_admin_request(session, org_a, requester, message="let me help")
    invite, invite_code = await create_invite(session, org_a)
    # Hashing a password is slow, so only the cases that sign in with one get this account.
    signin = (
        await create_user(session, signin_email(tag), password=SIGNIN_PASSWORD)
        if with_signin
        else None
    )
    event = await create_event(
        session,
        org_a,
        title=f"Matrix event {tag}",
        status=EventStatus.OPEN,
        image_key=f"events/matrix/{tag}.png",
        role_scheme=RoleScheme.BIG_LITTLE,
    )
    await LocalDiskStorage(TEST_MEDIA_DIR).save(f"events/matrix/{tag}.png", image_bytes("PNG"))
    public_event = await create_event(
        session, org_a, status=EventStatus.OPEN, visibility=EventVisibility.PUBLIC
    )
    draft_event = await create_event(session, org_a)
    participant = await create_user(session, first_name="Participant", last_name="A")
    await add_member(session, org_a, participant, MembershipRole.MEMBER)
    # The member's and the participant's registrations are complete: a run has two people.
    registrations = {
        user.id: await create_registration(
            session, event, user, is_complete=user in (member, participant)
        )
        for user in (owner, admin, member, participant)
    }
    queued_run = PairingRun(event_id=event.id, status=RunStatus.QUEUED, parameters={})
    session.add(queued_run)
    await session.commit()
    closed_event = await create_event(session, org_a, status=EventStatus.CLOSED)
    paired = [
        [await create_registration(session, closed_event, user, is_complete=True) for user in two]
        for two in ((member, participant), (admin, owner))
    ]
    run = await stored_run(session, closed_event, paired)
    pairing, groups = await place_directly(session, closed_event, paired, run=run)
    published_event = await create_event(session, org_a, status=EventStatus.PUBLISHED)
    placed = [await create_registration(session, published_event, user, is_complete=True)
              for user in (member, participant)]  # fmt: skip
    await place_directly(session, published_event, [placed], published=True)
    return World(
        tag=tag,
        org_a=org_a,
        owner=owner,
        admin=admin,
        member=member,
        org_b=org_b,
        owner_b=owner_b,
        other_org_admin=other_org_admin,
        other_org_member=other_org_member,
        stranger=stranger,
        platform_admin=platform_admin,
        requester=requester,
        pending_request=pending,
        invite=invite,
        invite_code=invite_code,
        signin=signin,
        event=event,
        question=await create_question(session, event),
        public_event=public_event,
        draft_event=draft_event,
        draft_question=await create_question(session, draft_event),
        participant=participant,
        registration=registrations[participant.id],
        queued_run=queued_run,
        closed_event=closed_event,
        run=run,
        pairing=pairing,
        pairing_group=groups[0],
        published_event=published_event,
    )
