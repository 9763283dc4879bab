"""A school's findings by severity over its inspections, as an inline SVG of stacked bars.

Built with ElementTree, so that every label is escaped and the result is well-formed XML. It is
drawn with presentation attributes (``fill=``) and classes, never ``style=``: the pages' CSP
allows no inline style. Each bar has a ``<title>``; the page puts the same numbers in a table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from xml.etree import ElementTree as ET

from markupsafe import Markup

SEVERITIES = ("red", "amber", "green", "waived")  # stacked bottom-up, the most serious at the foot
COLOURS = {"red": "#d4351c", "amber": "#f47738", "green": "#00703c", "waived": "#4c2c92"}
WIDTH, PLOT_HEIGHT = 720, 196
LEFT, RIGHT, TOP = 56, 16, 40  # room for the count axis's numbers and label, and the legend above


def _step(largest: int) -> int:
    """A round step for the count axis (1, 2 or 5 times a power of ten) giving at most 5 ticks."""
    raw = max(1, largest) / 5
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return next(n * power for n in (1, 2, 5, 10) if n * power >= raw)


def _text(parent: ET.Element, x: float, y: float, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, "text", x=f"{x:.1f}", y=f"{y:.1f}", **attributes)
    element.text = text
    return element


def severity_chart(
    inspections: Sequence[tuple[dt.date, Mapping[str, int]]], title: str, described_by: str | None = None
) -> Markup:
    """Stacked bars, one per inspection (oldest first): ``(as_at, {severity: count})``."""
    slanted = len(inspections) > 6  # dates side by side would overlap
    bottom = 84 if slanted else 48  # room for the dates and the axis's label
    height = TOP + PLOT_HEIGHT + bottom
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {WIDTH} {height}", "class": "chart",
        "role": "img", "aria-labelledby": "chart-title",
    })
    if described_by:
        svg.set("aria-describedby", described_by)
    ET.SubElement(svg, "title", id="chart-title").text = title
    plot_width, plot_height = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    floor = TOP + plot_height
    largest = max((sum(counts.get(s, 0) for s in SEVERITIES) for _, counts in inspections), default=0)
    step = _step(largest)
    top = max(step, math.ceil(largest / step) * step)

    axis = ET.SubElement(svg, "g", {"class": "axis"})
    for value in range(0, top + 1, step):
        y = floor - plot_height * value / top
        ET.SubElement(axis, "line", x1=str(LEFT), x2=str(WIDTH - RIGHT), y1=f"{y:.1f}", y2=f"{y:.1f}",
                      stroke="#b1b4b6", **{"stroke-width": "1"})
        _text(axis, LEFT - 6, y + 4, str(value), **{"text-anchor": "end"})
    _text(axis, 14, TOP + plot_height / 2, "Findings", **{"text-anchor": "middle",
                                                             "transform": f"rotate(-90 14 {TOP + plot_height / 2:.1f})"})
    _text(axis, LEFT + plot_width / 2, height - 6, "Inspection, as at (dd/mm/yyyy)", **{"text-anchor": "middle"})

    slot = plot_width / max(1, len(inspections))
    bar_width = min(56.0, slot * 0.6)
    for index, (as_at, counts) in enumerate(inspections):
        x = LEFT + slot * index + (slot - bar_width) / 2
        shown = f"{as_at:%d/%m/%Y}"
        bar = ET.SubElement(svg, "g", {"class": "bar"})
        ET.SubElement(bar, "title").text = f"As at {shown}: " + ", ".join(
            f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
        y = floor
        for severity in SEVERITIES:
            height = plot_height * counts.get(severity, 0) / top
            if height <= 0:
                continue
            y -= height
            ET.SubElement(bar, "rect", {"class": f"chart-{severity}", "x": f"{x:.1f}", "y": f"{y:.1f}",
                                        "width": f"{bar_width:.1f}", "height": f"{height:.1f}",
                                        "fill": COLOURS[severity]})
        centre = x + bar_width / 2
        label = {"text-anchor": "end", "transform": f"rotate(-40 {centre:.1f} {floor + 16:.1f})"} if slanted \
            else {"text-anchor": "middle"}
        _text(bar, centre, floor + 16, shown, **label)

    legend = ET.SubElement(svg, "g", {"class": "legend"})
    for index, severity in enumerate(SEVERITIES):
        x = LEFT + index * 110
        ET.SubElement(legend, "rect", x=str(x), y="10", width="14", height="14", fill=COLOURS[severity])
        _text(legend, x + 20, 22, severity.capitalize())
    return Markup(ET.tostring(svg, encoding="unicode"))
