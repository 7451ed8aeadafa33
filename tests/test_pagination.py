"""The one offset-pagination helper every list endpoint uses."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Membership, MembershipRole, User
from peerpear.pagination import OrderKey, paginate
from peerpear.schemas_common import Pagination
from tests.factories import add_member, create_organization, create_user


async def test_pages_cover_every_row_once_in_a_stable_order(session: AsyncSession) -> None:
    # Seven users who tie on the sort key: only the id tie-breaker orders them.
    tied = [(await create_user(session, last_name="Tie")).id for _ in range(7)]
    await create_user(session, last_name="Other")  # outside the where: not counted
    stmt = select(User.id, User.last_name).where(User.last_name == "Tie")
    seen: list[int] = []
    for offset in range(0, 9, 3):
        page = await paginate(
            session,
            stmt,
            Pagination(limit=3, offset=offset),
            order_by=(User.last_name, User.id.desc()),
            to_item=lambda row: row[0],
        )
        assert (page.total, page.limit, page.offset) == (7, 3, offset)
        seen.extend(page.items)
    assert seen == sorted(tied, reverse=True)


async def test_past_the_end_and_joined_rows(session: AsyncSession) -> None:
    owner = await create_user(session)
    org = await create_organization(session, owner)
    other = await create_organization(session, owner)
    member = await create_user(session)
    await add_member(session, org, member, MembershipRole.ADMIN)
    # Both selected tables have ``id`` and ``created_at``: the count must still work, and it
    # counts joined rows (one per membership), not distinct users.
    stmt = select(Membership, User).join(User, User.id == Membership.user_id)
    page = await paginate(
        session,
        stmt,
        Pagination(limit=10, offset=0),
        order_by=(Membership.id,),
        to_item=lambda row: (row[0].organization_id, row[1].id),
    )
    assert page.total == 3
    assert page.items == [(org.id, owner.id), (other.id, owner.id), (org.id, member.id)]
    beyond = await paginate(
        session, stmt, Pagination(limit=10, offset=5), order_by=(Membership.id,), to_item=str
    )
    assert beyond.total == 3 and beyond.items == []


@pytest.mark.parametrize(
    "order_by",
    [(), (User.last_name,), (User.id, User.last_name), (User.last_name.desc(),)],
    ids=["empty", "no-key", "key-not-last", "desc-no-key"],
)
async def test_an_order_without_a_tie_breaker_is_refused(
    session: AsyncSession, order_by: tuple[OrderKey, ...]
) -> None:
    with pytest.raises(ValueError, match="primary key"):
        await paginate(
            session,
            select(User.id),
            Pagination(limit=1, offset=0),
            order_by=order_by,
            to_item=lambda row: row[0],
        )


async def test_the_count_query_runs_only_when_the_window_cannot_tell(
    session: AsyncSession,
) -> None:
    for _ in range(5):
        await create_user(session, last_name="Count")
    stmt = select(User.id).where(User.last_name == "Count")
    statements: list[str] = []

    def record(conn: object, cursor: object, sql: str, *args: object) -> None:
        statements.append(sql)

    engine = session.bind.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        # (limit, offset) -> (total, whether a count was needed)
        for limit, offset, counted in [
            (10, 0, False),  # short first page: the total is what came back
            (3, 3, False),  # short last page: offset + what came back
            (3, 0, True),  # a full page: more may follow
            (5, 0, True),  # exactly full: cannot tell that nothing follows
            (3, 9, True),  # past the end: nothing came back to count from
        ]:
            statements.clear()
            page = await paginate(
                session,
                stmt,
                Pagination(limit=limit, offset=offset),
                order_by=(User.id,),
                to_item=lambda row: row[0],
            )
            assert page.total == 5, (limit, offset)
            assert (len(statements) == 2) is counted, (limit, offset, statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
