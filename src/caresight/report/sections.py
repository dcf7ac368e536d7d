"""The pieces a part of the report is made of: charts, or the reason one has nothing to draw,
and sections of tiles and charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup

from caresight.report.labels import month_label, table_list

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from caresight.report.data import ReportData
    from caresight.report.tiles import Tile


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    caption: str
    figure_json: Markup | None
    #: What the page says instead of an empty chart.
    empty: str = ""
    #: Spans the full width of the page's grid.
    wide: bool = False


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    #: What the tiles and charts cover, after the title.
    subtitle: str
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    #: Set when the dataset gives the whole section nothing to show: said once, in place of
    #: the tiles and charts.
    empty: str = ""


def chart(
    chart_id: str,
    title: str,
    caption: str,
    figure: go.Figure | None,
    *,
    kpis: list[str],
    unavailable: dict[str, str],
    otherwise: str,
    wide: bool = False,
) -> Chart:
    """A chart of `kpis`; without a figure it says why: the tables the dataset lacks for
    them, else `otherwise` (nothing to measure in the months shown)."""
    if figure is not None:
        return Chart(chart_id, title, caption, figure_json(figure), wide=wide)
    missing = missing_tables(kpis, unavailable)
    reason = f"No data: the dataset has no {missing}." if missing else otherwise
    return Chart(chart_id, title, caption, None, reason, wide=wide)


def missing_tables(kpis: list[str], unavailable: dict[str, str]) -> str:
    """The tables the dataset lacks for those of `kpis` it could not support, as
    'users, workflow_events'; empty when it supports them all."""
    return table_list(", ".join(unavailable[kpi] for kpi in kpis if kpi in unavailable))


def figure_json(figure: go.Figure | None) -> Markup | None:
    """A figure as JSON that is safe inside a <script> element."""
    if figure is None:
        return None
    text = figure.to_json()
    # "</script>" or "<!--" inside a label must not end the element early.
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return Markup(text)


def section_empty(has_values: bool, kpis: list[str], unavailable: dict[str, str],
                  what: str) -> str:
    """What a section says once, in place of its tiles and charts, when none of its KPIs has
    a value for the whole book; empty when some has."""
    if has_values:
        return ""
    missing = missing_tables(kpis, unavailable)
    if missing:
        return f"No {what} figures: the dataset has no {missing}."
    return f"No {what} figures: the dataset gives nothing to measure in the months computed."


def month_note(data: ReportData) -> str:
    """The month the adoption and platform parts report, and why when it is not the
    report's: 'November 2026 (Dec 2026 is in progress)', or 'December 2026 (in progress)'
    when the store has no full month to report."""
    month = month_label(data.ops.month)
    if data.ops.in_progress:
        return f"{month} (in progress)"
    if data.ops.month == data.latest:
        return month
    return f"{month} ({month_label(data.latest, short=True)} is in progress)"


def span_text(periods: list[str]) -> str:
    """The months of `periods` (oldest first) in words: 'Jun 2024 to May 2025', or the one
    month 'May 2025'."""
    first, last = month_label(periods[0], short=True), month_label(periods[-1], short=True)
    return last if first == last else f"{first} to {last}"


def months_text(count: int) -> str:
    """'1 month', '24 months'."""
    return f"{count} month" if count == 1 else f"{count} months"
