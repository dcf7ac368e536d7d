"""The executive report: one self-contained HTML file that opens offline.

plotly.js is inlined from the installed plotly package and every chart's data sits in the
page, so the file makes no request when opened: it can be mailed, archived or opened on a
machine without network.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from markupsafe import Markup

from caresight.config import Config, Threshold
from caresight.errors import CaresightError
from caresight.kpis.catalog import KPIS
from caresight.kpis.results import EMPTY, format_value
from caresight.report.adoption import ADOPTION_TILES, adoption_section
from caresight.report.data import (
    BRIDGE_STEPS,
    HEADLINE_KPIS,
    SEGMENT_DIMENSIONS,
    SEGMENT_KPIS,
    Bridge,
    ReportData,
    bridge_of,
    in_progress,
    previous_month,
    read_report_data,
)
from caresight.report.figures import bridge_figure, channel_mrr_figure, retention_figure
from caresight.report.labels import (
    DIMENSION_TITLES,
    month_label,
    segment_label,
    table_list,
    whole_money,
)
from caresight.report.platform import PLATFORM_TILES, platform_section
from caresight.report.sections import Chart, figure_json
from caresight.report.tiles import STATUS_WORDS, THIN_SAMPLE, basis, target_text, tile

log = logging.getLogger(__name__)

TITLE = "caresight executive report"

#: KPIs the adoption and platform parts chart besides their tiles, defined in the notes.
_CHARTED = {
    "Adoption and onboarding": (
        "days_to_first_expansion", "onboarding_cycle_days_12m", "go_live_delay_days_12m",
        "milestone_adherence", "data_migration_acceptance",
    ),
    "Platform": (
        "incidents_by_cause", "noisy_neighbor_rate", "shared_cpu_utilization",
        "isolation_breaches", "cost_to_serve", "customization_overhead",
    ),
}

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
    charts = _charts(data, bridge, currency, config.thresholds)
    sections = [adoption_section(data, config, currency),
                platform_section(data, config, currency)]
    return env.get_template("report.html.j2").render(
        title=TITLE,
        as_of=month_label(data.latest),
        measured_on=_measured_on(data),
        previous=_compared_with(data),
        currency=currency,
        currency_note=_currency_note(data.currency, config.reporting_currency),
        generated=generated.strftime("%d %B %Y, %H:%M %Z").lstrip("0"),
        tiles=[tile(kpi, data.book, data.latest, currency, config.thresholds,
                    data.unavailable) for kpi in HEADLINE_KPIS],
        bridge=_bridge_summary(bridge, currency),
        charts=charts,
        sections=sections,
        figures=[chart for chart in (*charts, *(c for s in sections for c in s.charts))
                 if chart.figure_json],
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


def _compared_with(data: ReportData) -> str:
    """What the headline's changes compare with: the month before, when there is one."""
    before = previous_month(data.latest)
    if before not in data.book.values.index:
        return "nothing: this is the first month of results"
    return f"against {month_label(before)}"


def _measured_on(data: ReportData) -> str:
    """'measured on 15 June 2026 (month in progress)' when the store records the day."""
    if data.measured_on is None:
        return ""
    day = date.fromisoformat(data.measured_on)
    text = f"measured on {day.day} {day:%B %Y}"
    if in_progress(data.latest, data.measured_on):
        text += " (month in progress)"
    return text


def _currency_note(computed_in: str | None, configured: str) -> str:
    if computed_in is None or computed_in == configured:
        return ""
    return (
        f"The values were computed in {computed_in}; the configuration now says {configured}. "
        "Run `caresight compute` again to report in it."
    )


# Charts -----------------------------------------------------------------------------------


def _charts(
    data: ReportData, bridge: Bridge | None, currency: str, thresholds: dict[str, Threshold]
) -> list[Chart]:
    mrr_by_channel = data.channel_mrr
    if mrr_by_channel.empty and "mrr" in data.book.values.columns:
        mrr_by_channel = data.book.values[["mrr"]].rename(columns={"mrr": "all accounts"})
    return [
        Chart(
            "bridge",
            f"MRR bridge, {month_label(data.latest)}",
            "How MRR moved from the end of last month to the end of this one.",
            figure_json(None if bridge is None else bridge_figure(bridge, currency)),
            "The bridge needs MRR for this month and the month before.",
        ),
        Chart(
            "retention",
            "Revenue retention",
            "GRR and NRR over 12 months; the 1-month rates are in the legend.",
            figure_json(retention_figure(data.book.values, thresholds)),
            "No retention values yet: they need a full year of history.",
        ),
        Chart(
            "mrr-by-channel",
            "MRR by channel",
            f"Month-end MRR in {currency}, stacked by the channel that sold the account.",
            figure_json(channel_mrr_figure(mrr_by_channel, currency)),
            "No MRR values to draw.",
        ),
    ]


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
        rests_on = basis(kpi, _number(row.get(f"{kpi}_n")))
        if rests_on and cell.text != EMPTY:
            n = _number(row.get(f"{kpi}_n")) or 0
            cell = Cell(cell.text, cell.status, rests_on, rests_on if n < THIN_SAMPLE else "")
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


def _definitions(thresholds: dict[str, Threshold]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(part, [(title, definition, target)]) of every KPI the page shows, by part."""
    parts = {
        "Revenue": (*HEADLINE_KPIS, *(kpi for kpi, _ in BRIDGE_STEPS), *SEGMENT_KPIS,
                    "grr_1m", "nrr_1m"),
        "Adoption and onboarding": (*ADOPTION_TILES, *_CHARTED["Adoption and onboarding"]),
        "Platform": (*PLATFORM_TILES, *_CHARTED["Platform"]),
    }
    return [
        (part, [(KPIS[kpi].title, KPIS[kpi].definition, target_text(kpi, thresholds))
                for kpi in dict.fromkeys(kpis)])
        for part, kpis in parts.items()
    ]


def _unavailable(unavailable: dict[str, str]) -> list[tuple[str, str]]:
    """(title, what the dataset lacks) for each KPI that could not be computed."""
    return [
        (KPIS[kpi].title if kpi in KPIS else kpi, table_list(missing))
        for kpi, missing in unavailable.items()
    ]
