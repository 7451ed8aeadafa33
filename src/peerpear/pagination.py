"""Offset pagination for every list endpoint: one count, one window, in a stable order.

A route takes ``page: PageDep`` (:mod:`peerpear.deps`: the ``limit``/``offset`` query
parameters of :func:`peerpear.schemas_common.pagination`) and its service returns
``await paginate(db, select(...).where(...), page, order_by=(..., Model.id), to_item=...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import UnaryExpression

from peerpear.schemas_common import Page, Pagination

# No FastAPI here: services use this module; the route parameter ``PageDep`` is in peerpear.deps.

T = TypeVar("T")
RowT = TypeVar("RowT", bound=tuple[Any, ...])

OrderKey = ColumnElement[Any] | QueryableAttribute[Any]


def _is_primary_key(key: OrderKey) -> bool:
    element: Any = key
    while isinstance(element, UnaryExpression):  # .desc(), .asc(), .nulls_last()
        element = element.element
    if isinstance(element, QueryableAttribute):
        element = element.__clause_element__()
    return isinstance(element, Column) and bool(element.primary_key)


def total_from_window(rows: int, page: Pagination) -> int | None:
    """The total the window already tells (``rows`` rows came back for ``page``), or None when
    only a count can: a short page that is not past the end shows where the list ends."""
    if rows < page.limit and (rows or page.offset == 0):
        return page.offset + rows
    return None


async def paginate(
    db: AsyncSession,
    stmt: Select[RowT],
    page: Pagination,
    *,
    order_by: Sequence[OrderKey],
    to_item: Callable[[RowT], T],
) -> Page[T]:
    """One page of ``stmt``'s rows, each turned into an item by ``to_item``, and their total.

    ``stmt`` is the unordered, unwindowed query (its ``where`` decides the total). ``order_by``
    must end in a primary key of the listed rows: rows that tie on every other key (two members
    with one name) then keep one order between requests, so consecutive pages neither repeat nor
    skip a row. A key without that tie-breaker is a programming error (ValueError), caught by the
    first test that lists anything.

    The count query runs only when the window cannot tell the total: a short page that is not
    past the end (most lists of a few rows) already shows it, and saves a round trip.
    """
    if not order_by or not _is_primary_key(order_by[-1]):
        raise ValueError("paginate: order_by must end in a primary key column (a tie-breaker)")
    unordered = stmt.order_by(None)
    window = unordered.order_by(*order_by).limit(page.limit).offset(page.offset)
    rows = list((await db.execute(window)).tuples())
    total = total_from_window(len(rows), page)
    if total is None:
        total = await db.scalar(select(func.count()).select_from(unordered.subquery())) or 0
    return Page(
        items=[to_item(row) for row in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
