"""The organizer's analytics tab: the analytics service's one answer (the API's
``GET /events/{id}/analytics``) drawn as server-side SVG charts, each with its numbers in a
table for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from peerpear.deps import SessionDep
from peerpear.registrations.analytics import event_analytics
from peerpear.registrations.analytics_schemas import QuestionAnalytics
from peerpear.web import charts
from peerpear.web.manage_deps import MANAGE_EVENT, ManagedEventDep, manage_page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Chart:
    """A chart and the same numbers as rows of a table (its text alternative)."""

    heading: str
    svg: Markup
    rows: list[charts.Datum]
    label_header: str
    note: str = ""


def question_chart(question: QuestionAnalytics) -> Chart | None:
    """The chart of one question's answers: bars per option, columns per scale value; None for
    a text question (its frequent words are a list)."""
    if question.options is not None:
        rows = [(option.option, option.count) for option in question.options]
        svg = charts.bar_chart(f"Picks per option: {question.prompt}", rows)
        return Chart(question.prompt, svg, rows, "Option")
    if question.histogram is not None:
        rows = [(str(bucket.value), bucket.count) for bucket in question.histogram]
        svg = charts.column_chart(f"Answers per value: {question.prompt}", rows)
        mean = "" if question.mean is None else f"Mean: {question.mean:.2f}."
        return Chart(question.prompt, svg, rows, "Value", mean)
    return None


@router.get(MANAGE_EVENT + "/analytics")
async def analytics_page(request: Request, managed: ManagedEventDep, db: SessionDep) -> Response:
    found = await event_analytics(db, managed.access.event)
    per_day = [(day.date.isoformat(), day.count) for day in found.registrations_over_time]
    running = [(day.date.isoformat(), day.cumulative) for day in found.registrations_over_time]
    roles = [(role.role.value.capitalize(), role.count) for role in found.roles]
    return manage_page(
        request,
        managed,
        "analytics.html",
        tab="analytics",
        title=f"Analytics · {managed.access.event.title}",
        analytics=found,
        per_day=Chart(
            "Registrations per day",
            charts.column_chart("Registrations per day", per_day),
            per_day,
            "Day",
        ),
        # A running total needs two days to be a line.
        running=Chart(
            "Registrations so far",
            charts.line_chart("Registrations so far", running),
            running,
            "Day",
        )
        if len(running) > 1
        else None,
        roles=Chart(
            "Role balance", charts.bar_chart("Registrations per role", roles), roles, "Role"
        )
        if roles
        else None,
        questions=[(question, question_chart(question)) for question in found.questions],
    )
