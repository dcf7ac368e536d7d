"""The report's Plotly charts, built from the frames of `report.data`.

Each function returns a figure, or None when there is nothing to draw; the page then says
so in words instead of showing an empty chart.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from caresight.config import Threshold
from caresight.kpis.catalog import KPIS
from caresight.report.data import Bridge, kpi_slice, series
from caresight.report.labels import compact_money, month_label, segment_label

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
PRIMARY = "#2f5d8a"
GOOD = "#2e8b57"
BAD = "#c0504d"
SERIES = ("#2f5d8a", "#6fa8dc", "#8fbf9f", "#e3a857", "#b5677d", "#7d6b9e", "#9aa3af")

_BRIDGE_LABELS = {
    "new_mrr": "New",
    "reactivation_mrr": "Reactivation",
    "expansion_mrr": "Expansion",
    "contraction_mrr": "Contraction",
    "churned_mrr": "Churned",
    "fx_mrr": "FX",
}


def layout(**overrides: object) -> dict[str, object]:
    """The report's chart style, with `overrides` on top."""
    base: dict[str, object] = {
        "template": "plotly_white",
        "font": {"family": FONT, "size": 12, "color": INK},
        "margin": {"l": 64, "r": 16, "t": 16, "b": 48},
        "height": 340,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": list(SERIES),
        "legend": {"orientation": "h", "x": 0, "y": -0.16, "font": {"color": MUTED}},
        "hoverlabel": {"font": {"family": FONT}},
    }
    base.update(overrides)
    return base


def month_axis() -> dict[str, object]:
    """A time axis of months."""
    return {
        "type": "date",
        "tickformat": "%b %Y",
        "hoverformat": "%B %Y",
        "gridcolor": GRID,
        "linecolor": GRID,
    }


def bridge_figure(bridge: Bridge, currency: str) -> go.Figure:
    """The month's MRR bridge as a waterfall: opening, movements, closing."""
    labels = [
        f"Opening<br>{month_label(bridge.opening_period, short=True)}",
        *(_BRIDGE_LABELS[kpi] for kpi, _ in bridge.steps),
        f"Closing<br>{month_label(bridge.period, short=True)}",
    ]
    amounts = [bridge.opening, *(amount for _, amount in bridge.steps), bridge.closing]
    texts = [
        compact_money(bridge.opening),
        *(compact_money(amount, signed=True) for _, amount in bridge.steps),
        compact_money(bridge.closing),
    ]
    waterfall = go.Waterfall(
        x=labels,
        # Opening and closing are set, not summed, so a bridge that fails to close shows.
        measure=["absolute", *("relative" for _ in bridge.steps), "absolute"],
        y=[0.0 if amount is None else amount for amount in amounts],
        text=texts,
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y:,.2f} " + currency + "<extra></extra>",
        increasing={"marker": {"color": GOOD}},
        decreasing={"marker": {"color": BAD}},
        totals={"marker": {"color": PRIMARY}},
        connector={"line": {"color": "#c7cdd6", "width": 1}},
    )
    low = min(_running_totals(bridge))
    high = max(_running_totals(bridge))
    span = high - low or abs(high) or 1.0
    return go.Figure(
        waterfall,
        layout=layout(
            showlegend=False,
            margin={"l": 64, "r": 16, "t": 28, "b": 56},
            # Zooming in on the movements: from zero they would be slivers on a tall bar.
            yaxis={
                "range": [max(0.0, low - span * 0.6), high + span * 0.25],
                "tickformat": "~s",
                "gridcolor": GRID,
                "title": {"text": currency, "font": {"color": MUTED}},
            },
            xaxis={"gridcolor": GRID, "linecolor": GRID},
        ),
    )


def _running_totals(bridge: Bridge) -> list[float]:
    totals = [bridge.opening]
    for _, amount in bridge.steps:
        totals.append(totals[-1] + (amount or 0.0))
    return [*totals, bridge.closing]


def retention_figure(book: pd.DataFrame, thresholds: dict[str, Threshold]) -> go.Figure | None:
    """GRR and NRR over time; the 1-month rates start hidden (a legend click shows them)."""
    shown = [k for k in ("grr_12m", "nrr_12m", "grr_1m", "nrr_1m") if has_values(book, k)]
    if not shown:
        return None

    styles = {
        "grr_12m": {"color": PRIMARY, "width": 2.5},
        "nrr_12m": {"color": GOOD, "width": 2.5},
        "grr_1m": {"color": PRIMARY, "width": 1.5, "dash": "dot"},
        "nrr_1m": {"color": GOOD, "width": 1.5, "dash": "dot"},
    }
    figure = go.Figure(
        layout=layout(
            hovermode="x unified",
            xaxis=month_axis(),
            yaxis={"tickformat": ".0%", "gridcolor": GRID, "zerolinecolor": GRID},
        )
    )
    for kpi in shown:
        figure.add_trace(
            go.Scatter(
                x=list(book.index),
                y=column(book, kpi),
                name=KPIS[kpi].title,
                mode="lines",
                line=styles[kpi],
                visible=True if kpi.endswith("12m") else "legendonly",
                hovertemplate="%{y:.1%}",
            )
        )

    for kpi in ("grr_12m", "nrr_12m"):
        if kpi in shown and kpi in thresholds:
            figure.add_hline(
                y=thresholds[kpi].green,
                line={"color": styles[kpi]["color"], "width": 1, "dash": "dash"},
                opacity=0.45,
                annotation_text=f"{KPIS[kpi].title.split(' ')[0]} target "
                f"{thresholds[kpi].green:.0%}",
                annotation_position="top left",
                annotation_font={"size": 11, "color": MUTED},
            )
    return figure


def channel_mrr_figure(channel_mrr: pd.DataFrame, currency: str) -> go.Figure | None:
    """MRR over time stacked by channel, largest channel at the bottom."""
    if channel_mrr.empty or channel_mrr.isna().all().all():
        return None

    order = channel_mrr.iloc[-1].fillna(0).sort_values(ascending=False).index
    figure = go.Figure(
        layout=layout(
            hovermode="x unified",
            xaxis=month_axis(),
            yaxis={"tickformat": "~s", "gridcolor": GRID, "title": {"text": currency}},
        )
    )
    for channel in order:
        figure.add_trace(
            go.Scatter(
                x=list(channel_mrr.index),
                y=column(channel_mrr, channel),
                name=segment_label("channel", str(channel)),
                mode="lines",
                stackgroup="mrr",
                line={"width": 1},
                hovertemplate="%{y:,.0f} " + currency,
            )
        )
    return figure


def has_values(frame: pd.DataFrame, name: str) -> bool:
    return name in frame.columns and bool(frame[name].notna().any())


def column(frame: pd.DataFrame, name: str) -> list[float | None]:
    """A column as a plain list, empty values as None so Plotly leaves a gap."""
    series = frame[name].astype("float64")
    return [None if pd.isna(v) else float(v) for v in series.tolist()]


# Shared by the adoption and platform charts ------------------------------------------------

AMBER = "#e3a857"
LIGHT = "#c7cdd6"
STATUS_COLOURS = {"green": GOOD, "amber": "#c98a12", "red": BAD}


def percent_axis(**overrides: object) -> dict[str, object]:
    """A value axis of rates; `digits` more decimals for rates near 100 % (uptime)."""
    axis: dict[str, object] = {"tickformat": ".0%", "gridcolor": GRID, "zerolinecolor": GRID}
    axis.update(overrides)
    return axis


def spread_traces(
    rows: pd.DataFrame,
    kpi: str,
    periods: list[str],
    *,
    unit_word: str,
    counted_as: str,
    legend: bool = True,
) -> list[go.Scatter]:
    """A duration KPI per month: its median and p90, and its mean where the KPI's headline
    is the mean (MTTR). Months without a value leave a gap."""
    if f"{kpi}_p50" in KPIS:
        parts = [(kpi, "Mean", INK, "dash"), (f"{kpi}_p50", "p50", PRIMARY, "solid")]
    else:
        parts = [(kpi, "p50", PRIMARY, "solid")]
    parts.append((f"{kpi}_p90", "p90", AMBER, "dot"))

    counts = series(rows, kpi, periods, column="n")
    basis = ["" if n is None else f" · {int(n):,} {counted_as}" for n in counts]
    return [
        go.Scatter(
            x=periods,
            y=series(rows, part, periods),
            name=label,
            legendgroup=label,
            showlegend=legend,
            mode="lines+markers",
            marker={"size": 5, "color": colour},
            line={"color": colour, "width": 2, "dash": dash},
            text=basis,
            hovertemplate=f"{label} %{{y:,.1f}} {unit_word}%{{text}}<extra></extra>",
        )
        for part, label, colour, dash in parts
    ]


def segment_lines(
    rows: pd.DataFrame,
    kpi: str,
    dimension: str,
    periods: list[str],
    *,
    whole: str,
    hover: str = "%{y:.1%}",
) -> list[go.Scatter]:
    """One line for the whole book (`whole` names it) and one per segment of `dimension`,
    segments with no value in `periods` left out."""
    traces = []
    if not kpi_slice(rows, kpi, "all", periods).empty:
        traces.append(go.Scatter(
            x=periods, y=series(rows, kpi, periods), name=whole, mode="lines",
            line={"color": INK, "width": 2.5}, hovertemplate=hover,
        ))
    segments = sorted(kpi_slice(rows, kpi, dimension, periods)["segment"].unique())
    for index, segment in enumerate(segments):
        traces.append(go.Scatter(
            x=periods,
            y=series(rows, kpi, periods, dimension=dimension, segment=segment),
            name=segment_label(dimension, segment),
            mode="lines+markers",
            marker={"size": 4},
            line={"color": SERIES[index % len(SERIES)], "width": 1.8},
            hovertemplate=hover,
        ))
    return traces


def add_target(figure: go.Figure, threshold: Threshold | None, text: str, **where: object) -> None:
    """A dashed line at the KPI's green threshold, named."""
    if threshold is None:
        return
    figure.add_hline(
        y=threshold.green,
        line={"color": GOOD, "width": 1, "dash": "dash"},
        opacity=0.6,
        annotation_text=text,
        annotation_position="bottom right",
        annotation_font={"size": 11, "color": MUTED},
        **where,
    )


def panels(titles: list[str], *, spacing: float, shared_yaxes: bool = False) -> go.Figure:
    """A row of side-by-side panels, each titled."""
    figure = make_subplots(
        rows=1, cols=len(titles), subplot_titles=titles, shared_yaxes=shared_yaxes,
        horizontal_spacing=spacing if len(titles) > 1 else 0.0,
    )
    # The titles are the figure's only annotations so far; later ones (target lines) keep
    # their own style.
    figure.update_annotations(font={"size": 13, "color": INK})
    return figure
