"""Charts of the platform part: uptime against target, incidents by who caused them,
recovery and resilience, change and provisioning, shared and dedicated hosting.

Each function returns a figure, or None when its KPIs have no value in the months shown;
the page then says why in words.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from caresight.config import Threshold
from caresight.report.data import kpi_slice, series
from caresight.report.figures import (
    AMBER,
    GRID,
    LIGHT,
    MUTED,
    PRIMARY,
    SERIES,
    STATUS_COLOURS,
    add_target,
    layout,
    month_axis,
    panels,
    percent_axis,
    segment_lines,
    spread_traces,
)
from caresight.report.labels import percent_text, segment_label
from caresight.report.tiles import threshold_text

#: Who caused an incident, in the order the stacks are drawn, with their colours: the
#: platform's own failures first, then everyone else's.
CAUSE_OWNERS = {
    "platform": PRIMARY,
    "partner": AMBER,
    "third_party": "#7d6b9e",
    "customer": "#8fbf9f",
    "unknown": "#9aa3af",
}

#: How many environments the uptime-by-environment chart lists, lowest first.
ENVIRONMENT_LIMIT = 20

_ROW = 26


def environment_uptime_figure(
    rows: pd.DataFrame, period: str, threshold: Threshold | None, models: dict[str, str]
) -> go.Figure | None:
    """The ENVIRONMENT_LIMIT environments with the lowest uptime in `period`, lowest at the
    top, coloured by status, against the target."""
    environments = kpi_slice(rows, "uptime", "environment", [period])
    if environments.empty:
        return None
    lowest = environments.sort_values(["value", "segment"]).head(ENVIRONMENT_LIMIT)
    labels = [
        f"{env} · {segment_label('deployment_model', models[env])}" if env in models else env
        for env in (str(s) for s in lowest["segment"])
    ]

    values = lowest["value"].tolist()
    low = min([*values, *([threshold.amber] if threshold is not None else [])])
    span = max(1.0 - low, 0.0005)
    figure = go.Figure(
        go.Scatter(
            x=values,
            y=labels,
            mode="markers+text",
            marker={"size": 10, "color": [STATUS_COLOURS.get(str(s), PRIMARY)
                                          for s in lowest["status"]]},
            text=[f"{v:.2%}" for v in values],
            textposition="middle right",
            textfont={"size": 11, "color": MUTED},
            hovertemplate="%{y}: %{x:.3%}<extra></extra>",
        ),
        layout=layout(
            height=max(260, 92 + _ROW * len(lowest)),
            margin={"l": 16, "r": 24, "t": 28, "b": 40},
            showlegend=False,
            xaxis=percent_axis(tickformat=".1%", range=[low - span * 0.1, 1.0 + span * 0.25]),
            yaxis={"automargin": True, "categoryorder": "array",
                   "categoryarray": list(reversed(labels))},
        ),
    )
    if threshold is not None:
        figure.add_vline(
            x=threshold.green, line={"color": STATUS_COLOURS["green"], "width": 1, "dash": "dash"},
            opacity=0.7, annotation_text=f"target {percent_text(threshold.green)}",
            annotation_position="top", annotation_font={"size": 11, "color": MUTED},
        )
    return figure


def incidents_by_cause_figure(rows: pd.DataFrame, periods: list[str]) -> go.Figure | None:
    """Outage and degraded incidents per month, stacked by cause owner."""
    picked = kpi_slice(rows, "incidents_by_cause", "cause_owner", periods)
    if picked.empty:
        return None
    figure = go.Figure(layout=layout(
        barmode="stack", hovermode="x unified", xaxis=month_axis(),
        legend={"orientation": "h", "x": 0, "y": -0.16, "traceorder": "normal",
                "font": {"color": MUTED}},
        yaxis={"gridcolor": GRID, "title": {"text": "incidents", "font": {"color": MUTED}}},
    ))
    for cause in _causes(picked["segment"]):
        figure.add_trace(go.Bar(
            x=periods,
            y=series(rows, "incidents_by_cause", periods, dimension="cause_owner",
                     segment=cause),
            name=segment_label("cause_owner", cause),
            marker={"color": CAUSE_OWNERS.get(cause, LIGHT)},
            hovertemplate="%{y:,.0f}",
        ))
    return figure


def causes_by_segment_figure(
    rows: pd.DataFrame, dimension: str, periods: list[str]
) -> go.Figure | None:
    """Incidents over `periods` per segment of `dimension`, stacked by cause owner (from the
    rows of dimension `<dimension>:cause_owner`, segment `<segment>:<cause owner>`)."""
    picked = kpi_slice(rows, "incidents_by_cause", f"{dimension}:cause_owner", periods)
    if picked.empty:
        return None
    parts = picked["segment"].str.split(":", n=1, expand=True)
    if parts.shape[1] < 2:
        return None
    counts = (
        picked.assign(owner=parts[0], cause=parts[1])
        .groupby(["owner", "cause"])["value"].sum().unstack(fill_value=0.0)
    )
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    labels = [segment_label(dimension, str(owner)) for owner in counts.index]

    figure = go.Figure(layout=layout(
        barmode="stack",
        height=max(240, 110 + 36 * len(counts)),
        margin={"l": 16, "r": 16, "t": 16, "b": 48},
        xaxis={"gridcolor": GRID, "title": {"text": "incidents", "font": {"color": MUTED}}},
        yaxis={"automargin": True},
        legend={"orientation": "h", "x": 0, "y": -0.25, "traceorder": "normal",
                "font": {"color": MUTED}},
    ))
    for cause in _causes(counts.columns):
        figure.add_trace(go.Bar(
            x=counts[cause].tolist(), y=labels, orientation="h",
            name=segment_label("cause_owner", cause),
            marker={"color": CAUSE_OWNERS.get(cause, LIGHT)},
            hovertemplate="%{y}: %{x:,.0f} " + segment_label("cause_owner", cause).lower()
            + "<extra></extra>",
        ))
    return figure


def _causes(names: pd.Series | pd.Index) -> list[str]:
    """The cause owners present, known ones in CAUSE_OWNERS order, then any others."""
    present = {str(name) for name in names}
    return [c for c in CAUSE_OWNERS if c in present] + sorted(present - set(CAUSE_OWNERS))


def spread_figure(
    rows: pd.DataFrame, kpi: str, periods: list[str], *, unit_word: str, counted_as: str
) -> go.Figure | None:
    """A duration KPI per month as its median and p90 (and mean, for MTTR)."""
    traces = spread_traces(rows, kpi, periods, unit_word=unit_word, counted_as=counted_as)
    if all(all(y is None for y in trace.y) for trace in traces):
        return None
    return go.Figure(traces, layout=layout(
        hovermode="x unified", xaxis=month_axis(),
        yaxis={"rangemode": "tozero", "gridcolor": GRID,
               "title": {"text": unit_word, "font": {"color": MUTED}}},
    ))


def trend_figure(
    rows: pd.DataFrame,
    kpis: dict[str, str],
    periods: list[str],
    thresholds: dict[str, Threshold],
    *,
    tickformat: str = ".1%",
    hover: str = "%{y:.1%}",
    axis_title: str = "",
) -> go.Figure | None:
    """Whole-book values per month, a line per KPI (kpi -> name), with their targets."""
    shown = [kpi for kpi in kpis if not kpi_slice(rows, kpi, "all", periods).empty]
    if not shown:
        return None
    figure = go.Figure(layout=layout(
        hovermode="x unified", xaxis=month_axis(),
        yaxis=percent_axis(tickformat=tickformat,
                           title={"text": axis_title, "font": {"color": MUTED}}),
    ))
    for index, kpi in enumerate(shown):
        colour = SERIES[index % len(SERIES)]
        figure.add_trace(go.Scatter(
            x=periods, y=series(rows, kpi, periods), name=kpis[kpi], mode="lines+markers",
            marker={"size": 4}, line={"color": colour, "width": 2}, hovertemplate=hover,
        ))
        if kpi in thresholds:
            add_target(figure, thresholds[kpi], f"{kpis[kpi].lower()} target "
                       f"{threshold_text(kpi, thresholds[kpi].green)}")
    return figure


def segment_rates_figure(
    rows: pd.DataFrame,
    kpi: str,
    dimension: str,
    periods: list[str],
    *,
    whole: str,
    threshold: Threshold | None = None,
    tickformat: str = ".0%",
    hover: str = "%{y:.1%}",
) -> go.Figure | None:
    """A rate per month for the whole book and each segment of `dimension`, with the
    target."""
    traces = segment_lines(rows, kpi, dimension, periods, whole=whole, hover=hover)
    if not traces:
        return None
    figure = go.Figure(traces, layout=layout(
        hovermode="x unified", xaxis=month_axis(), yaxis=percent_axis(tickformat=tickformat),
    ))
    if threshold is not None:
        add_target(figure, threshold, f"target {percent_text(threshold.green)}")
    return figure


#: The shared-hosting measures, each a panel on its own scale: noisy-neighbour days are a
#: fraction of a percent and would lie flat at zero on the CPU axis. (title, tick format,
#: hover format, colour); isolation breaches are counts, drawn as bars.
MULTI_TENANT = {
    "noisy_neighbor_rate": ("Noisy-neighbour days", ".1%", "%{y:.2%}", AMBER),
    "shared_cpu_utilization": ("Shared CPU p95", ".0%", "%{y:.1%}", PRIMARY),
    "isolation_breaches": ("Isolation breaches", ",d", "%{y:,.0f}", STATUS_COLOURS["red"]),
}


def multi_tenant_figure(rows: pd.DataFrame, periods: list[str]) -> go.Figure | None:
    """Shared hosting per month, a panel per measure with a value in `periods`:
    noisy-neighbour days and p95 CPU as rates, isolation breaches as bars."""
    shown = [kpi for kpi in MULTI_TENANT if not kpi_slice(rows, kpi, "all", periods).empty]
    if not shown:
        return None

    figure = panels([MULTI_TENANT[kpi][0] for kpi in shown], spacing=0.08)
    for col, kpi in enumerate(shown, start=1):
        _, tickformat, hover, colour = MULTI_TENANT[kpi]
        values = series(rows, kpi, periods)
        if kpi == "isolation_breaches":
            trace: go.Bar | go.Scatter = go.Bar(
                x=periods, y=values, marker={"color": colour}, opacity=0.75,
                hovertemplate=hover + "<extra></extra>",
            )
            # Whole breaches only: a small count would otherwise get ticks at 0.2, 0.4.
            most = max((v for v in values if v is not None), default=0.0)
            figure.update_yaxes(dtick=1 if most <= 6 else None, row=1, col=col)
        else:
            trace = go.Scatter(
                x=periods, y=values, mode="lines+markers", marker={"size": 4},
                line={"color": colour, "width": 2}, hovertemplate=hover + "<extra></extra>",
            )
        figure.add_trace(trace, row=1, col=col)
        figure.update_yaxes(tickformat=tickformat, row=1, col=col)

    figure.update_layout(**layout(showlegend=False, margin={"l": 56, "r": 16, "t": 36, "b": 48}))
    figure.update_xaxes(**month_axis(), nticks=5)
    figure.update_yaxes(rangemode="tozero", gridcolor=GRID, zerolinecolor=GRID)
    return figure


def cost_to_serve_figure(account_costs: pd.DataFrame, currency: str) -> go.Figure | None:
    """Each account's cost to serve in the month, a box per deployment model (the box is
    the middle half, the line the median, the dashed line the mean)."""
    if account_costs.empty:
        return None
    figure = go.Figure(layout=layout(
        showlegend=False,
        yaxis={"gridcolor": GRID, "tickformat": "~s", "rangemode": "tozero",
               "title": {"text": f"{currency} per account", "font": {"color": MUTED}}},
    ))
    models = account_costs.groupby("deployment_model")["value"]
    for index, (model, costs) in enumerate(models):
        figure.add_trace(go.Box(
            y=costs.tolist(), name=f"{segment_label('deployment_model', str(model))} "
            f"({len(costs):,})",
            boxmean=True, boxpoints="outliers", marker={"color": SERIES[index % len(SERIES)],
                                                         "size": 4},
            line={"color": SERIES[index % len(SERIES)]},
            hovertemplate="%{y:,.0f} " + currency + "<extra></extra>",
        ))
    figure.update_traces(selector={"type": "box"}, whiskerwidth=0.4)
    return figure

