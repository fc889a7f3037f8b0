"""Inline SVG charts: well-formed, accessible, and safe with whatever labels clients send."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from suyuan.web.charts import bar_chart, line_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>'


def parse(markup: str) -> ET.Element:
    """The chart as XML: raises if it is not well-formed."""
    return ET.fromstring(str(markup))


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def days(n: int) -> list[tuple[str, int]]:
    return [(f"2026-03-{i + 1:02d}", (i * 7) % 5) for i in range(n)]


def test_a_line_chart_is_well_formed_accessible_svg_with_a_data_table() -> None:
    points = days(30)
    figure = parse(line_chart(points, title="Scans per day", columns=("Day", "Scans")))
    svg = svg_of(figure)
    assert svg.get("role") == "img" and svg.get("aria-label") == "Scans per day"
    assert svg[0].tag == f"{SVG}title" and svg[0].text == "Scans per day"
    assert svg[1].tag == f"{SVG}desc" and "Total 60" in (svg[1].text or "")
    assert len(svg.findall(f"{SVG}circle")) == 30 and svg.find(f"{SVG}polyline") is not None
    rows = figure.findall("details/table/tbody/tr")
    assert [(r[0].text, int(r[1].text or "")) for r in rows] == points
    assert [th.text for th in figure.findall("details/table/thead/tr/th")] == ["Day", "Scans"]
    assert "script" not in str(line_chart(points, title="t")).lower()  # no JavaScript, ever


def test_axis_labels_are_few_and_include_both_ends() -> None:
    svg = svg_of(parse(line_chart(days(30), title="t")))
    texts = [t.text for t in svg.findall(f"{SVG}text")]
    assert "2026-03-01" in texts and "2026-03-30" in texts
    assert len([t for t in texts if t and t.startswith("2026-")]) <= 6


def test_all_zero_and_single_point_series_still_draw() -> None:
    zero = svg_of(parse(line_chart([(d, 0) for d, _ in days(7)], title="t")))
    assert len(zero.findall(f"{SVG}circle")) == 7
    one = svg_of(parse(line_chart([("2026-03-01", 4)], title="t")))
    assert len(one.findall(f"{SVG}circle")) == 1
    parse(line_chart([], title="t"))


def test_hostile_region_labels_are_escaped_everywhere() -> None:
    markup = str(bar_chart([(HOSTILE, 5), ('" onmouseover="alert(1)', 2)], title=HOSTILE))
    assert "<script>" not in markup and 'onmouseover="' not in markup
    figure = parse(markup)
    svg = svg_of(figure)
    assert svg.get("aria-label") == HOSTILE  # the attribute holds the text, escaped, not markup
    assert svg[0].text == HOSTILE
    tips = [g.find(f"{SVG}title") for g in svg.findall(f"{SVG}g")]
    assert [t.text for t in tips if t is not None] == [f"{HOSTILE}: 5", '" onmouseover="alert(1): 2']
    assert figure.findall("details/table/tbody/tr")[0][0].text == HOSTILE


def test_characters_xml_cannot_carry_and_bidi_overrides_are_dropped() -> None:
    figure = parse(bar_chart([("深圳\x00\x07\x1b", 3), ("\u202egnp.exe", 1)], title="t\x0b"))
    labels = [td.text for td in figure.findall("details/table/tbody/tr/td[1]")]
    assert labels == ["深圳", "gnp.exe"]


def test_long_labels_are_cut_on_the_chart_but_whole_in_the_table() -> None:
    label = "Guangdong Province, Shenzhen, Nanshan District"
    figure = parse(bar_chart([(label, 9)], title="t"))
    shown = [t.text for t in svg_of(figure).iter(f"{SVG}text")]
    assert any(s and s.endswith("…") and len(s) <= 16 for s in shown)
    assert figure.findall("details/table/tbody/tr/td")[0].text == label


def test_bars_scale_to_the_largest_and_take_only_valid_colours() -> None:
    svg = svg_of(parse(bar_chart([("a", 10), ("b", 5), ("c", 0)], title="t", colors=["#1a7f37", "red;x"])))
    rects = svg.findall(f"{SVG}g/{SVG}rect")
    widths = [float(r.get("width") or 0) for r in rects]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert [r.get("fill") for r in rects] == ["#1a7f37", "#0b57d0", "#0b57d0"]


def test_an_empty_bar_chart_says_so() -> None:
    svg = svg_of(parse(bar_chart([], title="Scans by region")))
    assert [t.text for t in svg.findall(f"{SVG}text")] == ["No data."]


@given(st.integers(min_value=0, max_value=10**9))
def test_the_y_axis_ends_on_a_round_number_at_or_above_the_largest_value(value: int) -> None:
    top, step = nice_ceiling(value)
    assert top >= max(value, 1) and top % step == 0 and top // step <= 8
    assert str(step).strip("0") in ("1", "2", "5")
