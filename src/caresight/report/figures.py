"""The report's Plotly charts, built from the frames of `report.data`.

Each function returns a figure, or None when there is nothing to draw; the page then says
so in words instead of showing an empty chart.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from caresight.config import Threshold
from caresight.kpis.catalog import KPIS
from caresight.report.data import Bridge
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


def _layout(**overrides: object) -> dict[str, object]:
    layout: dict[str, object] = {
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
    layout.update(overrides)
    return layout


def _month_axis() -> dict[str, object]:
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
        layout=_layout(
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
    shown = [k for k in ("grr_12m", "nrr_12m", "grr_1m", "nrr_1m") if _has_values(book, k)]
    if not shown:
        return None

    styles = {
        "grr_12m": {"color": PRIMARY, "width": 2.5},
        "nrr_12m": {"color": GOOD, "width": 2.5},
        "grr_1m": {"color": PRIMARY, "width": 1.5, "dash": "dot"},
        "nrr_1m": {"color": GOOD, "width": 1.5, "dash": "dot"},
    }
    figure = go.Figure(
        layout=_layout(
            hovermode="x unified",
            xaxis=_month_axis(),
            yaxis={"tickformat": ".0%", "gridcolor": GRID, "zerolinecolor": GRID},
        )
    )
    for kpi in shown:
        figure.add_trace(
            go.Scatter(
                x=list(book.index),
                y=_column(book, kpi),
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
        layout=_layout(
            hovermode="x unified",
            xaxis=_month_axis(),
            yaxis={"tickformat": "~s", "gridcolor": GRID, "title": {"text": currency}},
        )
    )
    for channel in order:
        figure.add_trace(
            go.Scatter(
                x=list(channel_mrr.index),
                y=_column(channel_mrr, channel),
                name=segment_label("channel", str(channel)),
                mode="lines",
                stackgroup="mrr",
                line={"width": 1},
                hovertemplate="%{y:,.0f} " + currency,
            )
        )
    return figure


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(frame[column].notna().any())


def _column(frame: pd.DataFrame, column: str) -> list[float | None]:
    """A column as a plain list, empty values as None so Plotly leaves a gap."""
    series = frame[column].astype("float64")
    return [None if pd.isna(v) else float(v) for v in series.tolist()]
