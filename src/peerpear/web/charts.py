"""Small charts drawn on the server as inline SVG: horizontal bars (option counts, roles),
columns (a scale's histogram, registrations per day) and a line (the running total).

No charting library: a few rectangles and labels are all the analytics page needs, and a page
that carries its charts needs no script. The console's CSP forbids ``style`` attributes, so
every colour and font comes from classes (``chart-*`` in console.css). Every label is escaped;
each chart is an ``img`` with a ``<title>`` naming it, its numbers printed next to the marks,
and the page adds a table with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

# One point of a chart: its label and its count.
Datum = tuple[str, int]

# The viewBox's width: the SVG scales to its container (CSS), so this is narrow enough for the
# labels to stay readable on a phone and not huge on a desktop (max-width in console.css).
WIDTH = 420
LABEL_WIDTH = 150  # room for the labels of horizontal bars
VALUE_ROOM = 36  # room for the number after the longest bar
BAR_HEIGHT = 22
ROW_HEIGHT = 30
COLUMN_AREA_HEIGHT = 160
AXIS_ROOM = 40  # under the columns: their labels
MAX_COLUMN_LABELS = 8  # more columns than this: every n-th is labelled underneath (all in titles)
LABEL_CHARS = 18  # a longer label is cut (with an ellipsis); its whole text is in the bar's title
_ids = count(1)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _number(value: float) -> str:
    """Coordinates with at most two decimals (no float noise in the markup)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def scaled(value: int, largest: int, length: float) -> float:
    """``value``'s share of ``length``, the largest value filling it; 0 when all are 0."""
    return length * value / largest if largest > 0 else 0.0


def _svg(title: str, height: float, body: list[str], kind: str) -> Markup:
    title_id = f"chart-title-{next(_ids)}"
    return Markup(
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {_number(height)}" '
        f'role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>{"".join(body)}</svg>'
    )


def bar_chart(title: str, data: Sequence[Datum]) -> Markup:
    """Horizontal bars, one per datum in the given order, lengths proportional to the counts."""
    largest = max((value for _, value in data), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    body: list[str] = []
    for row, (label, value) in enumerate(data):
        top = row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        middle = row * ROW_HEIGHT + ROW_HEIGHT / 2
        length = scaled(value, largest, room)
        body.append(
            f'<g class="chart-row"><title>{escape(label)}: {value}</title>'
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{_number(middle)}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(_short(label))}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{_number(top)}" '
            f'width="{_number(length)}" height="{BAR_HEIGHT}"></rect>'
            f'<text class="chart-value" x="{_number(LABEL_WIDTH + length + 6)}" '
            f'y="{_number(middle)}" dominant-baseline="middle">{value}</text></g>'
        )
    return _svg(title, max(len(data), 1) * ROW_HEIGHT, body, "bars")


def column_chart(title: str, data: Sequence[Datum]) -> Markup:
    """Vertical columns side by side (a histogram, counts per day), heights proportional to
    the counts, each labelled underneath and with its count on top."""
    largest = max((value for _, value in data), default=0)
    slot = WIDTH / max(len(data), 1)
    top_room = 18  # the count above the highest column
    label_every = max(1, -(-len(data) // MAX_COLUMN_LABELS))  # ceiling: no overlapping labels
    body: list[str] = []
    for index, (label, value) in enumerate(data):
        height = scaled(value, largest, COLUMN_AREA_HEIGHT - top_room)
        left = index * slot + slot * 0.15
        bottom = COLUMN_AREA_HEIGHT
        centre = index * slot + slot / 2
        body.append(
            f'<g class="chart-column"><title>{escape(label)}: {value}</title>'
            f'<rect class="chart-bar" x="{_number(left)}" y="{_number(bottom - height)}" '
            f'width="{_number(slot * 0.7)}" height="{_number(height)}"></rect>'
            f'<text class="chart-value" x="{_number(centre)}" y="{_number(bottom - height - 4)}" '
            f'text-anchor="middle">{value}</text>'
            + (
                f'<text class="chart-label" x="{_number(centre)}" y="{bottom + 18}" '
                f'text-anchor="middle">{escape(_short(label, 10))}</text>'
                if index % label_every == 0
                else ""
            )
            + "</g>"
        )
    return _svg(title, COLUMN_AREA_HEIGHT + AXIS_ROOM, body, "columns")


def line_chart(title: str, data: Sequence[Datum]) -> Markup:
    """A line through the points (a running total), each point marked and labelled with its
    count; the first and the last point's labels are written under the axis."""
    largest = max((value for _, value in data), default=0)
    inner = WIDTH - 2 * VALUE_ROOM
    step = inner / (len(data) - 1) if len(data) > 1 else 0.0
    top_room = 18
    points: list[tuple[float, float]] = []
    for index, (_, value) in enumerate(data):
        x = VALUE_ROOM + (index * step if len(data) > 1 else inner / 2)
        y = COLUMN_AREA_HEIGHT - scaled(value, largest, COLUMN_AREA_HEIGHT - top_room)
        points.append((x, y))
    path = " ".join(f"{_number(x)},{_number(y)}" for x, y in points)
    body = [
        f'<line class="chart-axis" x1="{VALUE_ROOM}" y1="{COLUMN_AREA_HEIGHT}" '
        f'x2="{WIDTH - VALUE_ROOM}" y2="{COLUMN_AREA_HEIGHT}"></line>',
        f'<polyline class="chart-line" points="{path}"></polyline>' if len(points) > 1 else "",
    ]
    for (label, value), (x, y) in zip(data, points, strict=True):
        body.append(
            f'<g class="chart-point"><title>{escape(label)}: {value}</title>'
            f'<circle class="chart-dot" cx="{_number(x)}" cy="{_number(y)}" r="4"></circle>'
            f'<text class="chart-value" x="{_number(x)}" y="{_number(y - 8)}" '
            f'text-anchor="middle">{value}</text></g>'
        )
    ends = [(data[0][0], points[0][0], "start")] if data else []
    if len(data) > 1:
        ends.append((data[-1][0], points[-1][0], "end"))
    for label, x, anchor in ends:
        body.append(
            f'<text class="chart-label" x="{_number(x)}" y="{COLUMN_AREA_HEIGHT + 18}" '
            f'text-anchor="{anchor}">{escape(_short(label, 12))}</text>'
        )
    return _svg(title, COLUMN_AREA_HEIGHT + AXIS_ROOM, body, "line")
