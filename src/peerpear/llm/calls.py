"""Reading an event's LLM call records (admins): newest first, filtered, with totals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.llm.call_schemas import LLMCallOut, LLMCallPage, LLMCallTotals
from peerpear.models import LLMCall, LLMCallOutcome
from peerpear.pagination import paginate
from peerpear.schemas_common import Pagination


def _to_out(row: tuple[LLMCall]) -> LLMCallOut:
    return LLMCallOut.model_validate(row[0], from_attributes=True)


async def list_calls(
    db: AsyncSession,
    event_id: int,
    page: Pagination,
    *,
    purpose: str | None = None,
    outcome: LLMCallOutcome | None = None,
) -> LLMCallPage:
    where: list[ColumnElement[bool]] = [LLMCall.event_id == event_id]
    if purpose is not None:
        where.append(LLMCall.purpose == purpose)
    if outcome is not None:
        where.append(LLMCall.outcome == outcome.value)
    listed = await paginate(
        db, select(LLMCall).where(*where), page, order_by=(LLMCall.id.desc(),), to_item=_to_out
    )
    totals = await _totals(db, where)
    return LLMCallPage(**listed.model_dump(exclude={"items"}), items=listed.items, totals=totals)


async def _totals(db: AsyncSession, where: list[ColumnElement[bool]]) -> LLMCallTotals:
    def count_of(outcome: LLMCallOutcome) -> Any:
        return func.coalesce(func.sum(case((LLMCall.outcome == outcome.value, 1), else_=0)), 0)

    row = (
        await db.execute(
            select(
                func.count(),
                count_of(LLMCallOutcome.FAILED),
                count_of(LLMCallOutcome.CACHED),
                func.coalesce(func.sum(LLMCall.input_tokens), 0),
                func.coalesce(func.sum(LLMCall.output_tokens), 0),
            ).where(*where)
        )
    ).one()
    calls, failed, cached, input_tokens, output_tokens = (int(value) for value in row)
    return LLMCallTotals(
        calls=calls,
        failed=failed,
        cached=cached,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )
