"""Chart geometry for the SVG templates in ``templates/dashboards/charts/``: numbers in, boxes out.

Charts are drawn on the server; the templates only place what these functions compute, so a
chart is plain markup that works without JavaScript and prints as it shows.
"""

from dataclasses import dataclass, field

WIDTH = 640
LABEL_WIDTH = 170  # left column of horizontal bar charts
VALUE_WIDTH = 80  # right column: the value
ROW_HEIGHT = 26
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    x: float
    y: float
    width: float
    css: str = ""
    marker_x: float | None = None  # a reference (the plan) drawn as a tick


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = 0
    bar_height: int = BAR_HEIGHT
    label_width: int = LABEL_WIDTH
    value_x: float = WIDTH - VALUE_WIDTH + 8
    centered: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label)

    @property
    def summary(self) -> str:
        return "; ".join(f"{b.label}: {b.text}" for b in self.bars)


def bar_chart(
    title: str,
    rows: list[tuple],
    *,
    text=None,
    centered: bool = False,
    legend: list[tuple[str, str]] | None = None,
) -> BarChart:
    """Horizontal bars. ``rows``: (label, value[, css class[, marker value]]). ``centered`` draws a
    funnel (bars centred on one axis)."""
    text = text or (lambda v: f"{v:,.0f}")
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([float(r[1] or 0) for r in rows] + [float(r[3]) for r in rows if len(r) > 3 and r[3] is not None] + [0])
    bars = []
    for index, row in enumerate(rows):
        label, value = row[0], float(row[1] or 0)
        css = row[2] if len(row) > 2 else ""
        marker = row[3] if len(row) > 3 else None
        width = span * value / top if top else 0
        x = LABEL_WIDTH + ((span - width) / 2 if centered else 0)
        marker_x = LABEL_WIDTH + span * float(marker) / top if marker is not None and top else None
        bars.append(Bar(label, value, text(value), x, index * ROW_HEIGHT + 4, max(width, 0), css, marker_x))
    return BarChart(title, bars, height=len(rows) * ROW_HEIGHT + 8, centered=centered, legend=legend or [])


@dataclass(frozen=True)
class Column:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    show_label: bool
    css: str = ""


@dataclass(frozen=True)
class ColumnChart:
    title: str
    columns: list[Column]
    top: float
    width: int = WIDTH
    height: int = 180
    plot_top: int = 10
    plot_bottom: int = 150
    left: int = 40
    markers: list[tuple[float, str, float]] = field(default_factory=list)  # (x, label, label y): median, p90

    @property
    def summary(self) -> str:
        shown = [c for c in self.columns if c.value]
        return "; ".join(f"{c.label}: {c.value:,.0f}" for c in shown[:40]) or "no data"


def column_chart(title: str, points: list[tuple[str, float]], *, markers=None, css=None) -> ColumnChart:
    """Vertical columns, one per point, labelled every few columns so labels never collide.

    ``markers``: (index into points, label) drawn as vertical lines; ``css``: a class per column."""
    plot_left, plot_right, plot_top, plot_bottom = 40, WIDTH - 10, 10, 150
    count = max(len(points), 1)
    slot = (plot_right - plot_left) / count
    top = max([float(v or 0) for _, v in points] + [0])
    every = max(1, round(count / 8))
    columns = []
    for index, (label, value) in enumerate(points):
        height = (plot_bottom - plot_top) * float(value or 0) / top if top else 0
        columns.append(
            Column(
                label=label,
                value=float(value or 0),
                x=plot_left + index * slot + slot * 0.1,
                y=plot_bottom - height,
                width=max(slot * 0.8, 1),
                height=height,
                show_label=index % every == 0 or index == count - 1,
                css=(css or {}).get(index, ""),
            )
        )
    drawn = [
        (plot_left + (i + 0.5) * slot, label, plot_top + 10 + 12 * n) for n, (i, label) in enumerate(markers or [])
    ]
    return ColumnChart(title, columns, top, markers=drawn, plot_top=plot_top, plot_bottom=plot_bottom, left=plot_left)


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    x: float
    width: float
    css: str


def stacked_bar(parts: list[tuple[str, int, str]]) -> list[Segment]:
    """One bar split into ``parts`` (label, value, css class) in proportion."""
    total = sum(v for _, v, _ in parts)
    x, segments = 0.0, []
    for label, value, css in parts:
        width = WIDTH * value / total if total else 0
        segments.append(Segment(label, value, x, width, css))
        x += width
    return segments
