"""The executive report: one self-contained HTML file that opens offline.

plotly.js is inlined from the installed plotly package and every chart's data sits in the
page, so the file makes no request when opened: it can be mailed, archived or opened on a
machine without network.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from markupsafe import Markup

from caresight.config import Config, Threshold
from caresight.errors import CaresightError
from caresight.kpis.catalog import KPIS
from caresight.kpis.results import EMPTY, format_value
from caresight.report.data import (
    BRIDGE_STEPS,
    HEADLINE_KPIS,
    SEGMENT_DIMENSIONS,
    SEGMENT_KPIS,
    Bridge,
    ReportData,
    bridge_of,
    months_ending,
    previous_month,
    read_report_data,
    value_at,
)
from caresight.report.figures import bridge_figure, channel_mrr_figure, retention_figure
from caresight.report.labels import (
    DIMENSION_TITLES,
    compact_money,
    display_value,
    month_label,
    segment_label,
    whole_money,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

log = logging.getLogger(__name__)

TITLE = "caresight executive report"

#: How many months the tiles' sparklines cover.
TREND_MONTHS = 12

#: Tile titles, short enough to sit on one line of a narrow tile.
_TILE_TITLES = {"grr_12m": "GRR 12m", "nrr_12m": "NRR 12m"}

STATUS_WORDS = {"green": "On target", "amber": "Watch", "red": "Off target", "none": "No target"}

#: Short column titles of the segment table.
_SEGMENT_COLUMNS = {
    "mrr": "MRR",
    "paying_accounts": "Paying accounts",
    "arpa": "ARPA",
    "grr_12m": "GRR 12m",
    "nrr_12m": "NRR 12m",
    "logo_churn_rate": "Logo churn",
    "renewal_rate": "Renewal rate",
}


def write_report(store_path: Path, config: Config, out: Path) -> Path:
    """Write the executive report of the store's latest month to `out` and return it."""
    data = read_report_data(store_path)
    page = render_report(data, config, generated=datetime.now(config.zone))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CaresightError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    log.info("wrote the executive report for %s to %s (%d KB)", data.latest, out, len(page) >> 10)
    return out


def render_report(data: ReportData, config: Config, *, generated: datetime) -> str:
    """The report page as HTML text."""
    import plotly.offline
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("caresight.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    currency = data.currency or config.reporting_currency
    bridge = bridge_of(data)
    return env.get_template("report.html.j2").render(
        title=TITLE,
        as_of=month_label(data.latest),
        measured_on=_measured_on(data),
        previous=month_label(previous_month(data.latest)),
        currency=currency,
        currency_note=_currency_note(data.currency, config.reporting_currency),
        generated=generated.strftime("%d %B %Y, %H:%M %Z").lstrip("0"),
        tiles=[_tile(data, kpi, currency, config.thresholds) for kpi in HEADLINE_KPIS],
        bridge=_bridge_summary(bridge, currency),
        charts=_charts(data, bridge, currency, config.thresholds),
        segment_columns=[
            _SEGMENT_COLUMNS[kpi] + (f" ({currency})" if KPIS[kpi].unit == "currency" else "")
            for kpi in SEGMENT_KPIS
        ],
        segment_groups=_segment_groups(data),
        definitions=_definitions(config.thresholds),
        unavailable=_unavailable(data.unavailable),
        status_words=STATUS_WORDS,
        plotly_js=Markup(plotly.offline.get_plotlyjs()),
    )


def _measured_on(data: ReportData) -> str:
    """'measured on 15 June 2026 (month in progress)' when the store records the day."""
    if data.measured_on is None:
        return ""
    day = date.fromisoformat(data.measured_on)
    text = f"measured on {day.day} {day:%B %Y}"
    if f"{day:%Y-%m}" == data.latest and (day + timedelta(days=1)).month == day.month:
        text += " (month in progress)"
    return text


def _currency_note(computed_in: str | None, configured: str) -> str:
    if computed_in is None or computed_in == configured:
        return ""
    return (
        f"The values were computed in {computed_in}; the configuration now says {configured}. "
        "Run `caresight compute` again to report in it."
    )


# Tiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    kpi: str
    title: str
    value: str
    exact: str
    unit_label: str
    empty: bool
    #: Why a tile is empty: the month had nothing to measure, or the dataset lacks a table.
    empty_reason: str
    status: str
    #: The status in words; empty for a KPI without thresholds.
    status_word: str
    change: str
    change_class: str
    target: str
    sparkline: Markup
    #: What a rate rests on, e.g. "on 4 renewals"; empty for amounts.
    basis: str = ""


def _tile(data: ReportData, kpi: str, currency: str, thresholds: dict[str, Threshold]) -> Tile:
    meta = KPIS[kpi]
    value = value_at(data.book, data.latest, kpi)
    status = _status_at(data.book_status, data.latest, kpi)
    trend_months = months_ending(data.latest, TREND_MONTHS)
    trend = [value_at(data.book, period, kpi) for period in trend_months]
    before = value_at(data.book, previous_month(data.latest), kpi)
    change, change_class = _change(kpi, value, before)
    return Tile(
        kpi=kpi,
        title=_TILE_TITLES.get(kpi, meta.title),
        value=display_value(value, meta.unit),
        exact="" if value is None else _exact(value, meta.unit, currency),
        unit_label=currency if meta.unit == "currency" and value is not None else "",
        empty=value is None,
        empty_reason=_empty_reason(kpi, data.unavailable),
        status=status or "none",
        status_word=_status_word(status, kpi in thresholds),
        change=change,
        change_class=change_class,
        target=_target(kpi, thresholds, short=True),
        sparkline=sparkline(trend),
        basis=_basis(kpi, value_at(data.book_n, data.latest, kpi)),
    )


#: What a rate KPI counts, for "on 4 renewals"; accounts unless named here.
_UNITS_COUNTED = {"renewal_rate": ("renewal", "renewals")}

#: Below this many units a rate is marked in the segment table as resting on few.
THIN_SAMPLE = 10


def _basis(kpi: str, n: float | None) -> str:
    """What a rate rests on, so that a red 0 % of one renewal is not read as a trend."""
    if KPIS[kpi].unit != "ratio" or n is None:
        return ""
    one, many = _UNITS_COUNTED.get(kpi, ("account", "accounts"))
    count = int(n)
    return f"on {count:,} {one if count == 1 else many}"


def _empty_reason(kpi: str, unavailable: dict[str, str]) -> str:
    if kpi in unavailable:
        return f"no data: the dataset has no {_table_list(unavailable[kpi])}"
    return "no data"


def _table_list(missing: str) -> str:
    return ", ".join(name.strip() for name in missing.split(",") if name.strip())


def _status_word(status: str | None, has_target: bool) -> str:
    if status is not None:
        return STATUS_WORDS[status]
    return "No status" if has_target else ""


def _status_at(frame: pd.DataFrame, period: str, kpi: str) -> str | None:
    if kpi not in frame.columns or period not in frame.index:
        return None
    status = frame.at[period, kpi]
    return status if isinstance(status, str) and status in STATUS_WORDS else None


def _exact(value: float, unit: str, currency: str) -> str:
    text = format_value(value, unit)
    return f"{text} {currency}" if unit == "currency" else text


def _change(kpi: str, value: float | None, before: float | None) -> tuple[str, str]:
    """The change against the month before, and whether that is good news."""
    if value is None:
        return "", "none"
    if before is None:
        return "no value last month", "none"

    delta = value - before
    unit = KPIS[kpi].unit
    if unit == "ratio":
        amount = f"{delta * 100:+.1f} pp"
        flat = amount in ("+0.0 pp", "-0.0 pp")
    elif unit == "currency":
        relative = f" ({delta / before:+.1%})" if before else ""
        amount = compact_money(delta, signed=True) + relative
        flat = abs(delta) < 0.005
    else:
        amount = f"{delta:+,.1f}"
        flat = delta == 0
    if flat:
        return "unchanged", "flat"

    direction = KPIS[kpi].direction
    good = (delta > 0) == (direction == "up")
    tone = "flat" if direction == "none" else "good" if good else "bad"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {amount}", tone


def _target(kpi: str, thresholds: dict[str, Threshold], *, short: bool = False) -> str:
    """The KPI's thresholds in words: 'Target ≥ 90.0% · watch ≥ 85.0%'."""
    if kpi not in thresholds:
        return ""
    unit = KPIS[kpi].unit
    sign = "≥" if KPIS[kpi].direction == "up" else "≤"
    target = f"Target {sign} {format_value(thresholds[kpi].green, unit)}"
    if short:
        return target
    return f"{target} · watch {sign} {format_value(thresholds[kpi].amber, unit)}"


def sparkline(values: list[float | None], width: int = 132, height: int = 36) -> Markup:
    """A small inline SVG trend line; gaps where a month has no value."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return Markup("")

    low, high = min(known), max(known)
    pad = 3.0
    step = (width - 2 * pad) / (len(values) - 1)

    def y(value: float) -> float:
        if high == low:
            return height / 2
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    runs: list[list[str]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
            continue
        runs[-1].append(f"{pad + index * step:.1f},{y(value):.1f}")
    lines = "".join(
        f'<polyline points="{" ".join(run)}"/>' for run in runs if len(run) > 1
    )
    last_index = max(i for i, v in enumerate(values) if v is not None)
    last = values[last_index]
    assert last is not None
    dot = f'<circle cx="{pad + last_index * step:.1f}" cy="{y(last):.1f}" r="2.5"/>'
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="trend over the last {len(values)} months">'
        f"{lines}{dot}</svg>"
    )


# Charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    caption: str
    figure_json: Markup | None
    empty: str = ""


def _charts(
    data: ReportData, bridge: Bridge | None, currency: str, thresholds: dict[str, Threshold]
) -> list[Chart]:
    mrr_by_channel = data.channel_mrr
    if mrr_by_channel.empty and "mrr" in data.book.columns:
        mrr_by_channel = data.book[["mrr"]].rename(columns={"mrr": "all accounts"})
    return [
        Chart(
            "bridge",
            f"MRR bridge, {month_label(data.latest)}",
            "How MRR moved from the end of last month to the end of this one.",
            _figure_json(None if bridge is None else bridge_figure(bridge, currency)),
            "The bridge needs MRR for this month and the month before.",
        ),
        Chart(
            "retention",
            "Revenue retention",
            "GRR and NRR over 12 months; the 1-month rates are in the legend.",
            _figure_json(retention_figure(data.book, thresholds)),
            "No retention values yet: they need a full year of history.",
        ),
        Chart(
            "mrr-by-channel",
            "MRR by channel",
            f"Month-end MRR in {currency}, stacked by the channel that sold the account.",
            _figure_json(channel_mrr_figure(mrr_by_channel, currency)),
            "No MRR values to draw.",
        ),
    ]


def _figure_json(figure: go.Figure | None) -> Markup | None:
    """A figure as JSON that is safe inside a <script> element."""
    if figure is None:
        return None
    text = figure.to_json()
    # "</script>" or "<!--" inside a label must not end the element early.
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return Markup(text)


@dataclass(frozen=True)
class BridgeSummary:
    rows: list[tuple[str, str]]
    gap: str


def _bridge_summary(bridge: Bridge | None, currency: str) -> BridgeSummary | None:
    """The bridge's numbers in words beside the chart, and any gap it leaves."""
    if bridge is None:
        return None
    rows = [(f"Opening MRR ({month_label(bridge.opening_period, short=True)})",
             whole_money(bridge.opening))]
    rows += [(KPIS[kpi].title, _signed_money(amount)) for kpi, amount in bridge.steps]
    rows.append((f"Closing MRR ({month_label(bridge.period, short=True)})",
                 whole_money(bridge.closing)))
    gap = ""
    if abs(bridge.gap) >= 0.01:
        gap = f"The movements leave {bridge.gap:,.2f} {currency} unexplained."
    return BridgeSummary(rows, gap)


def _signed_money(amount: float | None) -> str:
    if amount is None:
        return EMPTY
    text = f"{amount:+,.0f}"
    # A movement that rounds to nothing is written without a sign.
    return "0" if text in ("+0", "-0") else text.replace("-", "−")


# Segments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    status: str
    exact: str = ""
    #: A rate resting on fewer than THIN_SAMPLE units shows how many.
    thin: str = ""


@dataclass(frozen=True)
class SegmentRow:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class SegmentGroup:
    title: str
    rows: list[SegmentRow] = field(default_factory=list)


def _segment_groups(data: ReportData) -> list[SegmentGroup]:
    """The whole book, then each dimension's segments, largest MRR first."""
    groups = []
    for dimension in ("all", *SEGMENT_DIMENSIONS):
        rows = data.segments[data.segments["dimension"] == dimension]
        if rows.empty:
            continue
        if "mrr" in rows.columns:
            rows = rows.sort_values("mrr", ascending=False, na_position="last")
        groups.append(
            SegmentGroup(
                DIMENSION_TITLES[dimension],
                [_segment_row(dimension, row, data.partner_names)
                 for row in rows.to_dict("records")],
            )
        )
    return groups


def _segment_row(dimension: str, row: dict[str, object], names: dict[str, str]) -> SegmentRow:
    cells = []
    for kpi in SEGMENT_KPIS:
        status = row.get(f"{kpi}_status")
        cell = _cell(_number(row.get(kpi)), kpi, status if isinstance(status, str) else None)
        basis = _basis(kpi, _number(row.get(f"{kpi}_n")))
        if basis and cell.text != EMPTY:
            n = _number(row.get(f"{kpi}_n")) or 0
            cell = Cell(cell.text, cell.status, basis, basis if n < THIN_SAMPLE else "")
        cells.append(cell)
    return SegmentRow(segment_label(dimension, str(row["segment"]), names), cells)


def _number(value: object) -> float | None:
    """A frame cell as a float, None when empty (pandas reads NULL as NaN)."""
    if isinstance(value, int | float) and not math.isnan(value):
        return float(value)
    return None


def _cell(value: float | None, kpi: str, status: str | None) -> Cell:
    unit = KPIS[kpi].unit
    text = whole_money(value) if unit == "currency" else format_value(value, unit)
    exact = "" if value is None or unit != "currency" else format_value(value, unit)
    return Cell(text, status or "none", exact)


# Footnotes --------------------------------------------------------------------------------


def _definitions(thresholds: dict[str, Threshold]) -> list[tuple[str, str, str]]:
    """(title, definition, target) of every KPI the page shows."""
    shown = dict.fromkeys(
        (*HEADLINE_KPIS, *(kpi for kpi, _ in BRIDGE_STEPS), *SEGMENT_KPIS, "grr_1m", "nrr_1m")
    )
    return [(KPIS[kpi].title, KPIS[kpi].definition, _target(kpi, thresholds)) for kpi in shown]


def _unavailable(unavailable: dict[str, str]) -> list[tuple[str, str]]:
    """(title, what the dataset lacks) for each KPI that could not be computed."""
    return [
        (KPIS[kpi].title if kpi in KPIS else kpi, _table_list(missing))
        for kpi, missing in unavailable.items()
    ]
