"""The adoption and onboarding part of the report: are customers using what they bought,
how fast do they get value, and how well do delivery partners bring them live.

Per-partner figures rest on go-lives, and a partner has only one or two a month, so they
cover the PARTNER_WINDOW months to the report's month: the durations are the engine's
12-month KPIs of that month, the rates the window's numerators over its denominators, and
the gates the engine's per-project verdicts (project_gates) counted over the window.
"""

from __future__ import annotations

import pandas as pd

from caresight.config import Config
from caresight.kpis.catalog import kpis_in
from caresight.kpis.implementation import GATES
from caresight.report.adoption_figures import (
    GATE_TITLES,
    TIME_TO_VALUE,
    gate_failures_figure,
    partner_durations_figure,
    partner_rates_figure,
    rate_bars_figure,
    time_to_value_figure,
    time_to_value_panels,
)
from caresight.report.data import ADOPTION_SECTIONS, PARTNER_WINDOW, ReportData, months_ending
from caresight.report.figures import has_values
from caresight.report.labels import month_label, percent_text
from caresight.report.sections import (
    Chart,
    Section,
    chart,
    missing_tables,
    month_note,
    months_text,
    section_empty,
    span_text,
)
from caresight.report.tiles import tile

#: The tiles: adoption, time to value, then implementation.
ADOPTION_TILES = (
    "active_user_rate",
    "workflow_utilization",
    "training_completion",
    "days_to_first_workflow",
    "days_to_stable_usage",
    "onboarding_cycle_days",
    "go_live_delay_days",
    "stage_gate_pass_rate",
)

#: Months the charts over time cover.
TREND_WINDOW = 24


def adoption_section(data: ReportData, config: Config, currency: str) -> Section:
    """Tiles and charts of adoption, time to value and implementation quality."""
    kpis = [kpi.id for section in ADOPTION_SECTIONS for kpi in kpis_in(section)]
    title = "Adoption and onboarding"
    window = months_ending(data.ops.month, PARTNER_WINDOW)
    # The window's months that have results: a window reaching back before the data began
    # is named from its first month of results.
    span = span_text(data.ops.months(PARTNER_WINDOW))
    subtitle = f"{month_note(data)} · partner charts {span}"

    empty = section_empty(
        any(has_values(data.ops.book.values, kpi) for kpi in kpis), kpis, data.unavailable,
        "adoption or onboarding",
    )
    if empty:
        return Section("adoption", title, subtitle, empty=empty)
    return Section(
        "adoption",
        title,
        subtitle,
        tiles=[tile(kpi, data.ops.book, data.ops.month, currency, config.thresholds,
                    data.unavailable) for kpi in ADOPTION_TILES],
        charts=[
            _time_to_value(data),
            *_partner_durations(data, span),
            _partner_quality(data, config, window, span),
            _partner_gates(data, config, span),
            *_usage(data, config),
        ],
    )


def _time_to_value(data: ReportData) -> Chart:
    periods = data.ops.months(TREND_WINDOW)
    figure = time_to_value_figure(data.ops.rows, periods)
    drawn = time_to_value_panels(data.ops.rows, periods) if figure is not None else []
    return chart(
        "time-to-value",
        "Time to value",
        _time_to_value_caption(data, periods, drawn),
        figure,
        kpis=list(TIME_TO_VALUE),
        unavailable=data.unavailable,
        otherwise="No account reached a first workflow, stable usage or a first expansion "
        "in the months shown.",
        wide=True,
    )


#: Each time-to-value KPI's step, where its days count from, and its panel's short name.
_STEPS = {
    "days_to_first_workflow": ("the first workflow", "contract signature", "first-workflow"),
    "days_to_stable_usage": ("stable usage", "go-live", "stable-usage"),
    "days_to_first_expansion": ("the first expansion", "go-live", "first-expansion"),
}


def _time_to_value_caption(data: ReportData, periods: list[str], drawn: list[str]) -> str:
    """What the drawn panels show, and which panels are missing and why; without any
    panel, all three are described and the page says why none is drawn."""
    described = drawn or list(TIME_TO_VALUE)
    origins: dict[str, list[str]] = {}
    for kpi in described:
        step, origin, _ = _STEPS[kpi]
        origins.setdefault(origin, []).append(step)
    steps = " and ".join(f"from {origin} to {' and '.join(s)}" for origin, s in origins.items())
    month = month_label(data.ops.month)
    over = f"in {month}" if len(periods) == 1 else f"over the {months_text(len(periods))} " \
        f"to {month}"
    text = (f"Days {steps}, for the accounts that reached the step in the month, {over}: the "
            "median (p50) and the slowest tenth (p90).")
    if not drawn:
        return text

    # A panel is left out when the dataset lacks its tables, or when no account reached
    # the step in the months shown; the reader is told which and why.
    reasons: dict[str, list[str]] = {}
    for kpi in TIME_TO_VALUE:
        if kpi not in drawn:
            missing = missing_tables([kpi], data.unavailable)
            reasons.setdefault(missing, []).append(_STEPS[kpi][2])
    for missing, names in reasons.items():
        one = len(names) == 1
        reason = (f"the dataset has no {missing}" if missing else
                  f"no account reached {'this step' if one else 'these steps'} in the months "
                  "shown")
        text += f" No {' or '.join(names)} {'panel' if one else 'panels'}: {reason}."
    return text


def _partner_durations(data: ReportData, span: str) -> list[Chart]:
    note = (
        f"Onboarding projects that went live {span}, by delivery partner (go-lives in "
        "brackets): the dot is the median (p50), the diamond the slowest tenth (p90); the "
        "dotted line is the median of all go-lives."
    )
    return [
        chart(
            f"{kpi.replace('_', '-')}",
            title,
            f"{what} {note}",
            partner_durations_figure(data.ops.rows, f"{kpi}_12m", data.ops.month,
                                     data.partner_names, unit_word="days"),
            kpis=[f"{kpi}_12m", f"{kpi}_12m_p90"],
            unavailable=data.unavailable,
            otherwise=f"No onboarding project went live {span}.",
        )
        for kpi, title, what in (
            ("onboarding_cycle_days", "Onboarding cycle by delivery partner",
             "Days from contract signature to go-live."),
            ("go_live_delay_days", "Go-live delay by delivery partner",
             "Days from planned to actual go-live; below zero is early."),
        )
    ]


def _partner_quality(
    data: ReportData, config: Config, window: list[str], span: str
) -> Chart:
    gates = {
        "milestone_adherence": config.gates.milestone_adherence,
        "data_migration_acceptance": config.gates.data_migration_acceptance,
    }
    return chart(
        "partner-quality",
        "Milestones and data migration by delivery partner",
        f"{span}, over all the period's milestones and migration records: milestones "
        f"completed within {config.implementation.milestone_tolerance_days} days of plan, "
        "and records accepted of those submitted. The dashed line is the go-live gate; red "
        "dots fall short of it.",
        partner_rates_figure(data.ops.rows, window, data.partner_names, gates),
        kpis=list(gates),
        unavailable=data.unavailable,
        otherwise=f"No milestone was planned and no migration batch submitted {span}.",
        wide=True,
    )


def _partner_gates(data: ReportData, config: Config, span: str) -> Chart:
    gates = ", ".join(
        f"{GATE_TITLES.get(gate, gate)} {percent_text(getattr(config.gates, gate))}"
        for gate in GATES
    )
    missing = data.ops.gate_failures is None
    return chart(
        "partner-gates",
        "Which go-live gates fail, by delivery partner",
        f"{_go_lives_text(data.ops.gate_failures, span)} By delivery partner: the share that "
        "passed every go-live gate, and the share that failed each. A gate is passed at its "
        f"threshold ({gates}) or when there was nothing to measure.",
        gate_failures_figure(data.ops.gate_failures, data.partner_names),
        kpis=["stage_gate_pass_rate"],
        unavailable=data.unavailable,
        otherwise="No data: the results have no project_gates table; compute the KPIs again."
        if missing else f"No project went live {span}.",
        wide=True,
    )


def _go_lives_text(gates: pd.DataFrame | None, span: str) -> str:
    """The go-lives the gates chart counts, by kind: unlike the onboarding charts it counts
    expansion projects too, and says so with the numbers, so the counts beside a partner
    are not read as a contradiction. Without go-lives it counts nothing."""
    if gates is None or gates.empty:
        return f"Projects (onboarding and expansion) that went live {span}."
    total, onboarding, expansion = (
        int(gates[column].sum()) for column in ("go_lives", "onboarding", "expansion")
    )
    return (
        f"{total:,} go-lives {span}: {onboarding:,} onboarding (onb.) and {expansion:,} "
        "expansion (exp.) projects, in brackets for each partner; the onboarding charts "
        "above count the onboarding ones only."
    )


def _usage(data: ReportData, config: Config) -> list[Chart]:
    as_of = month_label(data.ops.month)
    rows = data.ops.rows
    return [
        chart(
            "active-users",
            f"Active users by role and department, {as_of}",
            "Licensed users with at least one workflow event in the month; the dotted line "
            "is all users. Colours show status against the target where one is set.",
            rate_bars_figure(rows, "active_user_rate", data.ops.month,
                             {"role": "By role", "department": "By department"},
                             counted_as="licensed users", whole="all users"),
            kpis=["active_user_rate"],
            unavailable=data.unavailable,
            otherwise=f"No licensed users to measure in {as_of}.",
            wide=True,
        ),
        chart(
            "module-use",
            f"Workflow utilisation by module, {as_of}",
            "Accounts paying for a module that used it (at least "
            f"{config.adoption.workflow_event_floor} events in the month), of the accounts "
            "paying for it. The dotted line is the book's figure: the mean over accounts of the "
            "share of their modules they use.",
            rate_bars_figure(rows, "workflow_utilization", data.ops.month, {"module": ""},
                             counted_as="paying accounts", whole="book, mean per account"),
            kpis=["workflow_utilization"],
            unavailable=data.unavailable,
            otherwise=f"No account paid for a module in {as_of}.",
        ),
        chart(
            "training-by-role",
            f"Training completion by role, {as_of}",
            "Training assignments completed by the month's end, of those made by then; the "
            "dotted line is all assignments.",
            rate_bars_figure(rows, "training_completion", data.ops.month, {"role": ""},
                             counted_as="assignments", whole="all assignments"),
            kpis=["training_completion"],
            unavailable=data.unavailable,
            otherwise=f"No training assignment made by {as_of}.",
        ),
    ]
