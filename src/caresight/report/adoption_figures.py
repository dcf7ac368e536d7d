"""Charts of the adoption and onboarding part: time to value, each delivery partner's
onboarding and go-live gates, and how users and modules use the product.

Each function returns a figure, or None when its KPIs have no value in the months shown;
the page then says why in words.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from caresight.kpis.implementation import GATES
from caresight.report.data import kpi_slice, pooled
from caresight.report.figures import (
    AMBER,
    BAD,
    GOOD,
    GRID,
    INK,
    LIGHT,
    MUTED,
    PRIMARY,
    STATUS_COLOURS,
    layout,
    month_axis,
    panels,
    percent_axis,
    spread_traces,
)
from caresight.report.labels import percent_text, segment_label

#: The time-to-value KPIs, each a panel: its headline is the median, `<kpi>_p90` its tail.
TIME_TO_VALUE = {
    "days_to_first_workflow": "First workflow (from signature)",
    "days_to_stable_usage": "Stable usage (from go-live)",
    "days_to_first_expansion": "First expansion (from go-live)",
}

#: The delivery partners' quality rates, each a panel, with what their parts count.
PARTNER_RATES = {
    "milestone_adherence": ("Milestones on time", "milestones"),
    "data_migration_acceptance": ("Migration records accepted", "records"),
}

#: The go-live gates of project_gates (kpis.implementation.GATES) as a chart names them.
GATE_TITLES = {
    "data_migration_acceptance": "migration",
    "integration_readiness": "integrations",
    "training_before_go_live": "training",
    "milestone_adherence": "milestones",
}

#: Height of one row of a chart with a row per segment, in pixels.
_ROW = 28


def time_to_value_panels(rows: pd.DataFrame, periods: list[str]) -> list[str]:
    """The time-to-value KPIs with a value in `periods`: those the chart draws a panel of."""
    return [
        kpi for kpi in TIME_TO_VALUE
        if not kpi_slice(rows, kpi, "all", periods).empty
        or not kpi_slice(rows, f"{kpi}_p90", "all", periods).empty
    ]


def time_to_value_figure(rows: pd.DataFrame, periods: list[str]) -> go.Figure | None:
    """The median and p90 of each time-to-value KPI per month, a panel each; the caption
    names the panels left out (time_to_value_panels)."""
    shown = time_to_value_panels(rows, periods)
    if not shown:
        return None

    figure = panels([TIME_TO_VALUE[kpi] for kpi in shown], spacing=0.06)
    for col, kpi in enumerate(shown, start=1):
        for trace in spread_traces(rows, kpi, periods, unit_word="days",
                                   counted_as="accounts", legend=col == 1):
            figure.add_trace(trace, row=1, col=col)
    figure.update_layout(**layout(margin={"l": 56, "r": 16, "t": 36, "b": 48}))
    figure.update_xaxes(**month_axis(), nticks=5)
    figure.update_yaxes(rangemode="tozero", gridcolor=GRID, zerolinecolor=GRID)
    figure.update_yaxes(title={"text": "days", "font": {"color": MUTED}}, row=1, col=1)
    return figure


def partner_durations_figure(
    rows: pd.DataFrame, kpi: str, month: str, names: dict[str, str], *, unit_word: str
) -> go.Figure | None:
    """Each delivery partner's median (dot) and p90 (diamond) of a 12-month duration KPI
    (`kpi`, with `kpi`_p90 beside it) in `month`, its go-lives in brackets, and the median
    of all go-lives as a dotted line."""
    medians = kpi_slice(rows, kpi, "delivery_partner", [month])
    if medians.empty:
        return None
    tails = kpi_slice(rows, f"{kpi}_p90", "delivery_partner", [month])

    summary = medians.set_index("segment")[["value", "n"]].rename(columns={"value": "p50"})
    summary["p90"] = tails.set_index("segment")["value"]
    summary = summary.sort_values("p50")
    labels = {
        segment: segment_label("delivery_partner", str(segment), names)
        + (f" ({_count(row.n)})" if _known(row.n) else "")
        for segment, row in summary.iterrows()
    }

    figure = go.Figure(layout=layout(
        height=max(280, 96 + _ROW * len(summary)),
        margin={"l": 16, "r": 24, "t": 16, "b": 56},
        xaxis={"gridcolor": GRID, "zerolinecolor": LIGHT,
               "title": {"text": unit_word, "font": {"color": MUTED}}},
        yaxis={"automargin": True, "categoryorder": "array",
               "categoryarray": [labels[s] for s in reversed(summary.index)]},
        legend={"orientation": "h", "x": 0, "y": -0.12, "font": {"color": MUTED}},
    ))
    ranged = summary[summary["p90"].notna()]
    figure.add_trace(go.Scatter(
        x=[x for _, row in ranged.iterrows() for x in (row.p50, row.p90, None)],
        y=[y for s in ranged.index for y in (labels[s], labels[s], None)],
        mode="lines", line={"color": PRIMARY, "width": 2}, opacity=0.35,
        showlegend=False, hoverinfo="skip",
    ))
    for name, column, marker in (
        ("p50 (median)", "p50", {"size": 11, "color": PRIMARY, "symbol": "circle"}),
        ("p90", "p90", {"size": 11, "color": AMBER, "symbol": "diamond"}),
    ):
        shown = summary[summary[column].notna()]
        figure.add_trace(go.Scatter(
            x=shown[column].tolist(), y=[labels[s] for s in shown.index], mode="markers",
            name=name, marker=marker,
            text=[f"{_count(n)} go-lives" for n in shown["n"]],
            hovertemplate=f"%{{y}}: {name} %{{x:,.1f}} {unit_word}, %{{text}}<extra></extra>",
        ))

    book = kpi_slice(rows, kpi, "all", [month])
    if not book.empty:
        figure.add_vline(
            x=float(book["value"].iloc[0]), line={"color": INK, "width": 1, "dash": "dot"},
            annotation_text="all go-lives", annotation_position="top",
            annotation_font={"size": 11, "color": MUTED},
        )
    return figure


def gate_failures_figure(gates: pd.DataFrame | None, names: dict[str, str]) -> go.Figure | None:
    """Per delivery partner and for all projects, the share of go-lives that passed every
    gate, then a panel per gate with the share that failed it; counts in the hover."""
    if gates is None or gates.empty:
        return None

    book_label = "All projects"
    book = gates.drop(columns="delivery_partner").sum().to_frame().T
    book.index = [f"{book_label} {_kinds(book.iloc[0])}"]
    partners = gates.set_index("delivery_partner")
    partners.index = [
        f"{segment_label('delivery_partner', str(s), names)} {_kinds(row)}"
        for s, row in partners.iterrows()
    ]
    # Worst pass rate at the top, all projects at the bottom.
    partners = partners.assign(_share=partners["passed_all"] / partners["go_lives"])
    partners = partners.sort_values(["_share", "go_lives"], ascending=[True, False])
    table = pd.concat([partners.drop(columns="_share"), book])

    columns = {"passed_all": "Passed every gate",
               **{gate: f"Failed: {GATE_TITLES.get(gate, gate)}" for gate in GATES}}
    figure = panels(list(columns.values()), spacing=0.02, shared_yaxes=True)
    for col, (column, title) in enumerate(columns.items(), start=1):
        share = table[column] / table["go_lives"]
        colour = GOOD if column == "passed_all" else BAD
        figure.add_trace(go.Bar(
            x=share.tolist(),
            y=list(table.index),
            orientation="h",
            marker={"color": [INK if label == book.index[0] else colour
                              for label in table.index]},
            text=[f"{v:.0%}" for v in share],
            textposition="outside",
            cliponaxis=False,
            customdata=[[int(c), int(n)] for c, n in zip(table[column], table["go_lives"],
                                                          strict=True)],
            hovertemplate=f"%{{y}}: %{{customdata[0]:,}} of %{{customdata[1]:,}} go-lives, "
            f"%{{x:.0%}} · {title.lower()}<extra></extra>",
            showlegend=False,
        ), row=1, col=col)

    figure.update_layout(**layout(
        height=max(280, 96 + _ROW * len(table)),
        margin={"l": 16, "r": 24, "t": 40, "b": 32},
        bargap=0.3,
    ))
    figure.update_xaxes(**percent_axis(range=[0, 1.35], tickvals=[0, 0.5, 1.0]))
    figure.update_yaxes(automargin=True, categoryorder="array",
                        categoryarray=list(reversed(table.index)))
    return figure


def _kinds(row: pd.Series) -> str:
    """A row's go-lives by kind, '(47 onb. + 20 exp.)': the onboarding charts count the
    onboarding ones only, and the label shows why this chart's counts are larger."""
    return f"({_count(row['onboarding'])} onb. + {_count(row['expansion'])} exp.)"


def partner_rates_figure(
    rows: pd.DataFrame, periods: list[str], names: dict[str, str], gates: dict[str, float]
) -> go.Figure | None:
    """Milestone adherence and migration acceptance per delivery partner over `periods`,
    each the rate of all the period's milestones (records), against its go-live gate."""
    pools = {kpi: pooled(rows, kpi, "delivery_partner", periods) for kpi in PARTNER_RATES}
    shown = [kpi for kpi in PARTNER_RATES if not pools[kpi].empty]
    if not shown:
        return None

    first = pools[shown[0]].sort_values("value")
    order = [*first["segment"], *sorted({s for kpi in shown for s in pools[kpi]["segment"]}
                                        - set(first["segment"]))]
    labels = {segment: segment_label("delivery_partner", str(segment), names)
              for segment in order}
    book_label = "All projects"

    figure = panels(
        [PARTNER_RATES[kpi][0] + (f" · gate {percent_text(gates[kpi])}" if kpi in gates else "")
         for kpi in shown],
        spacing=0.04, shared_yaxes=True,
    )
    for col, kpi in enumerate(shown, start=1):
        gate = gates.get(kpi)
        pool = pools[kpi]
        book = pooled(rows, kpi, "all", periods)
        units = PARTNER_RATES[kpi][1]
        figure.add_trace(go.Scatter(
            x=[*pool["value"], *book["value"]],
            y=[*(labels[s] for s in pool["segment"]), *(book_label for _ in book.index)],
            mode="markers+text",
            text=[f"{v:.1%}" for v in [*pool["value"], *book["value"]]],
            textposition="middle right",
            textfont={"size": 11, "color": MUTED},
            marker={"size": 10, "color": [
                *(_against(v, gate) for v in pool["value"]), *(INK for _ in book.index)
            ]},
            customdata=[[n, d] for n, d in zip(
                [*pool["numerator"], *book["numerator"]],
                [*pool["denominator"], *book["denominator"]], strict=True)],
            hovertemplate=f"%{{y}}: %{{x:.1%}}, %{{customdata[0]:,.0f}} of "
            f"%{{customdata[1]:,.0f}} {units}<extra></extra>",
            showlegend=False,
        ), row=1, col=col)
        values = [*pool["value"], *book["value"], *([gate] if gate is not None else [])]
        low = max(0.0, min(values) - 0.04)
        figure.update_xaxes(range=[low, 1.0 + (1.0 - low) * 0.18], row=1, col=col)
        if gate is not None:
            figure.add_vline(x=gate, line={"color": GOOD, "width": 1, "dash": "dash"},
                             opacity=0.7, row=1, col=col)

    figure.update_layout(**layout(
        height=max(280, 110 + _ROW * (len(order) + 1)),
        margin={"l": 16, "r": 16, "t": 36, "b": 40},
    ))
    figure.update_xaxes(**percent_axis())
    figure.update_yaxes(automargin=True, categoryorder="array",
                        categoryarray=[*(labels[s] for s in order), book_label])
    return figure


def rate_bars_figure(
    rows: pd.DataFrame,
    kpi: str,
    period: str,
    titles: dict[str, str],
    *,
    counted_as: str,
    whole: str,
) -> go.Figure | None:
    """A rate by segment in one month, a panel per dimension of `titles` (dimension ->
    title), each segment's bar coloured by its status, the whole book as a dotted line."""
    shown = [d for d in titles if not kpi_slice(rows, kpi, d, [period]).empty]
    if not shown:
        return None

    book = kpi_slice(rows, kpi, "all", [period])
    whole_value = None if book.empty else float(book["value"].iloc[0])
    figure = panels([_with_book(titles[d], whole, whole_value) for d in shown], spacing=0.2)
    longest = 0
    for col, dimension in enumerate(shown, start=1):
        bars = kpi_slice(rows, kpi, dimension, [period]).sort_values("value")
        longest = max(longest, len(bars))
        figure.add_trace(go.Bar(
            x=bars["value"].tolist(),
            y=[segment_label(dimension, str(s)) for s in bars["segment"]],
            orientation="h",
            marker={"color": [STATUS_COLOURS.get(str(s), PRIMARY) for s in bars["status"]]},
            text=[f"{v:.0%}" for v in bars["value"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[_parts(row, counted_as) for row in bars.to_dict("records")],
            hovertemplate="%{y}: %{x:.1%}%{customdata}<extra></extra>",
            showlegend=False,
        ), row=1, col=col)
        if whole_value is not None:
            figure.add_vline(x=whole_value, line={"color": INK, "width": 1, "dash": "dot"},
                             row=1, col=col)

    figure.update_layout(**layout(
        height=max(260, 110 + _ROW * longest), margin={"l": 16, "r": 36, "t": 44, "b": 32},
        bargap=0.35,
    ))
    figure.update_xaxes(**percent_axis(range=[0, 1.12], tickvals=[0, 0.25, 0.5, 0.75, 1.0]))
    figure.update_yaxes(automargin=True)
    return figure


def _with_book(title: str, whole: str, value: float | None) -> str:
    """A panel's title with the whole book's figure, which its dotted line marks."""
    if value is None:
        return title
    book = f"{whole} {value:.0%}"
    return f"{title} · {book}" if title else book


def _parts(row: dict[str, object], counted_as: str) -> str:
    """', 41 of 60 accounts' from a row's numerator and denominator, or its count."""
    numerator, denominator, n = row.get("numerator"), row.get("denominator"), row.get("n")
    if _known(numerator) and _known(denominator):
        return f", {_count(numerator)} of {_count(denominator)} {counted_as}"
    if _known(n):
        return f", of {_count(n)} {counted_as}"
    return ""


def _known(value: object) -> bool:
    return isinstance(value, int | float) and not pd.isna(value)


def _count(value: object) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) and not pd.isna(value) else "?"


def _against(value: float, gate: float | None) -> str:
    if gate is None:
        return PRIMARY
    return GOOD if round(value, 9) >= gate else BAD
