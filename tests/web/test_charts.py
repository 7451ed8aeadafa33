"""The server-side SVG charts (web/charts.py): lengths proportional to the counts, zeros drawn
as nothing (and no division by zero), labels escaped and long ones shortened with the whole
text in the mark's title, no inline style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from peerpear.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def _bar_widths(markup: str) -> list[float]:
    return [float(r.get("width", "")) for r in _parsed(markup).iter(SVG + "rect")]


def test_bar_lengths_are_proportional_to_the_counts() -> None:
    widths = _bar_widths(charts.bar_chart("Picks", [("a", 4), ("b", 2), ("c", 1), ("d", 0)]))
    assert widths[0] == pytest.approx(charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_ROOM)
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.01)
    assert widths[2] == pytest.approx(widths[0] / 4, abs=0.01)
    assert widths[3] == 0


def test_all_zero_and_empty_charts_draw_nothing_without_failing() -> None:
    assert _bar_widths(charts.bar_chart("None yet", [("a", 0), ("b", 0)])) == [0, 0]
    columns = _parsed(charts.column_chart("Scale", [("1", 0), ("2", 0)]))
    assert [float(r.get("height", "")) for r in columns.iter(SVG + "rect")] == [0, 0]
    for draw in (charts.bar_chart, charts.column_chart, charts.line_chart):
        empty = _parsed(draw("Nothing", []))
        assert empty.find(SVG + "title") is not None and not list(empty.iter(SVG + "rect"))


def test_column_heights_are_proportional() -> None:
    svg = _parsed(charts.column_chart("Scale", [("1", 1), ("2", 3)]))
    low, high = (float(r.get("height", "")) for r in svg.iter(SVG + "rect"))
    assert high == pytest.approx(3 * low, abs=0.02)  # two decimals
    # Columns stand on one baseline.
    tops = [float(r.get("y", "")) + float(r.get("height", "")) for r in svg.iter(SVG + "rect")]
    assert tops[0] == pytest.approx(tops[1])


def test_the_line_rises_with_the_running_total() -> None:
    svg = _parsed(charts.line_chart("So far", [("d1", 1), ("d2", 3), ("d3", 3)]))
    line = svg.find(SVG + "polyline")
    assert line is not None
    ys = [float(point.split(",")[1]) for point in line.get("points", "").split()]
    assert ys[0] > ys[1] == ys[2]  # SVG's y grows downwards


def test_labels_are_escaped_and_long_ones_shortened() -> None:
    label = '<script>alert("x")</script> & a very long option label indeed'
    markup = charts.bar_chart("Title <b>", [(label, 1)])
    assert "<script>" not in markup and "<b>" not in markup
    svg = _parsed(markup)
    assert svg.findtext(SVG + "title") == "Title <b>"
    texts = [t.text or "" for t in svg.iter(SVG + "text")]
    shown = texts[0]
    assert len(shown) == charts.LABEL_CHARS and shown.endswith("…")
    titles = [t.text for t in svg.iter(SVG + "title")]
    assert f"{label}: 1" in titles  # the whole label, for a pointer's tooltip


def test_charts_are_labelled_images_styled_by_classes() -> None:
    markup = charts.column_chart("Per day", [("2026-01-01", 2)])
    svg = _parsed(markup)
    assert svg.get("role") == "img"
    title = svg.find(SVG + "title")
    assert title is not None and svg.get("aria-labelledby") == title.get("id")
    assert "style" not in markup and re.search(r'class="chart chart-columns"', markup)


def test_many_columns_label_every_nth_and_title_them_all() -> None:
    days = [(f"2026-01-{n:02}", n) for n in range(1, 31)]
    svg = _parsed(charts.column_chart("Per day", days))
    labels = [t.text for t in svg.iter(SVG + "text") if t.get("class") == "chart-label"]
    assert labels == [f"2026-01-{n:02}" for n in range(1, 31, 4)]  # 30 days: every 4th
    titles = {t.text for t in svg.iter(SVG + "title")}
    assert {f"{day}: {n}" for day, n in days} <= titles
