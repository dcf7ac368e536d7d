"""The platform part of the report: is the service up, who causes its incidents, does it
recover, and what do shared and dedicated hosting cost and earn.

Incidents are split by cause owner throughout, so that a partner's delivery failure or a
customer's own change is not read as a platform incident.
"""

from __future__ import annotations

from dataclasses import replace

from caresight.config import Config
from caresight.kpis.catalog import kpis_in
from caresight.report.data import PLATFORM_SECTIONS, ReportData, kpi_slice, value_at
from caresight.report.figures import has_values
from caresight.report.labels import month_label, percent_text
from caresight.report.platform_figures import (
    ENVIRONMENT_LIMIT,
    causes_by_segment_figure,
    cost_to_serve_figure,
    environment_uptime_figure,
    incidents_by_cause_figure,
    multi_tenant_figure,
    segment_rates_figure,
    spread_figure,
    trend_figure,
)
from caresight.report.sections import (
    Chart,
    Section,
    chart,
    month_note,
    months_text,
    section_empty,
    span_text,
)
from caresight.report.tiles import Tile, tile

PLATFORM_TILES = (
    "uptime",
    "incident_rate",
    "mttr_hours",
    "backup_success_rate",
    "restore_validation_coverage",
    "release_success_rate",
    "provisioning_hours",
    "gross_margin",
    # A breach exposes one tenant's health data to another: a count, never a rate.
    "isolation_breaches",
)

#: Months the charts over time cover, and the months incident causes are summed over.
TREND_WINDOW = 24
CAUSE_WINDOW = 12


def platform_section(data: ReportData, config: Config, currency: str) -> Section:
    """Tiles and charts of reliability, resilience, change and hosting economics."""
    kpis = [kpi.id for section in PLATFORM_SECTIONS for kpi in kpis_in(section)]
    title = "Platform"
    trend = months_text(len(data.ops.months(TREND_WINDOW)))
    subtitle = f"{month_note(data)} · trends cover {trend}"
    empty = section_empty(
        any(has_values(data.ops.book.values, kpi) for kpi in kpis), kpis, data.unavailable,
        "platform",
    )
    if empty:
        return Section("platform", title, subtitle, empty=empty)
    return Section(
        "platform",
        title,
        subtitle,
        tiles=[_tile(data, kpi, config, currency) for kpi in PLATFORM_TILES],
        charts=[
            *_uptime(data, config),
            *_incidents(data),
            *_recovery_and_change(data, config),
            *_hosting(data, config, currency),
        ],
    )


def _tile(data: ReportData, kpi: str, config: Config, currency: str) -> Tile:
    made = tile(kpi, data.ops.book, data.ops.month, currency, config.thresholds,
                data.unavailable)
    if kpi != "isolation_breaches":
        return made
    # No threshold is configured for breaches, so the tile has no status to colour it;
    # the year's total beside the month's count keeps an earlier breach in view.
    return replace(made, basis=_breaches_total(data))


def _breaches_total(data: ReportData) -> str:
    """'3 in the 12 months to May 2025': the isolation breaches of the CAUSE_WINDOW months
    to the reported month that have results; empty when that is the month alone."""
    months = data.ops.months(CAUSE_WINDOW)
    counts = [value_at(data.ops.book.values, month, "isolation_breaches") for month in months]
    known = [count for count in counts if count is not None]
    if len(months) < 2 or not known:
        return ""
    return (f"{sum(known):,.0f} in the {months_text(len(months))} to "
            f"{month_label(data.ops.month, short=True)}")


def _uptime(data: ReportData, config: Config) -> list[Chart]:
    threshold = config.thresholds.get("uptime")
    target = f" against the target of {percent_text(threshold.green)}" if threshold else ""
    periods = data.ops.months(TREND_WINDOW)
    return [
        chart(
            "uptime-trend",
            "Uptime by deployment model",
            f"Share of each month's minutes the environments were up{target}, maintenance "
            "windows left out, for the whole platform and each deployment model.",
            segment_rates_figure(data.ops.rows, "uptime", "deployment_model", periods,
                                 whole="Whole platform", threshold=threshold,
                                 tickformat=".2%", hover="%{y:.3%}"),
            kpis=["uptime"],
            unavailable=data.unavailable,
            otherwise="No environment was up in the months shown.",
        ),
        chart(
            "uptime-environments",
            f"Lowest uptime by environment, {month_label(data.ops.month)}",
            _environment_caption(data, config),
            environment_uptime_figure(data.ops.rows, data.ops.month, threshold,
                                      data.ops.environment_models),
            kpis=["uptime"],
            unavailable=data.unavailable,
            otherwise=f"No environment to measure in {month_label(data.ops.month)}.",
        ),
    ]


def _environment_caption(data: ReportData, config: Config) -> str:
    measured = kpi_slice(data.ops.rows, "uptime", "environment", [data.ops.month])
    shown = min(len(measured), ENVIRONMENT_LIMIT)
    text = (f"The {shown} environments with the lowest uptime of the {len(measured)} "
            "measured, lowest first" if len(measured) > shown
            else "Every environment's uptime, lowest first")
    threshold = config.thresholds.get("uptime")
    if threshold is None:
        return f"{text}. No uptime target is configured."
    target = percent_text(threshold.green)
    if measured.empty:
        # No environment to count: the page says why instead of '0 of 0 below'.
        return f"{text}, against the target of {target}."
    below = int((measured["value"].round(9) < threshold.green).sum())
    return f"{text}; {below} of {len(measured)} below the target of {target}."


def _incidents(data: ReportData) -> list[Chart]:
    window = data.ops.months(CAUSE_WINDOW)
    span = span_text(window)
    return [
        chart(
            "incidents-by-cause",
            "Incidents by cause owner",
            "Outage and degraded incidents started each month, by who caused them, so that "
            "partner and customer failures are not read as the platform's.",
            incidents_by_cause_figure(data.ops.rows, data.ops.months(TREND_WINDOW)),
            kpis=["incidents_by_cause"],
            unavailable=data.unavailable,
            otherwise="No outage or degraded incident in the months shown.",
        ),
        chart(
            "causes-by-model",
            f"Incident causes by deployment model, {span}",
            f"The same incidents over {span}, by the deployment model of the environment "
            "they hit.",
            causes_by_segment_figure(data.ops.rows, "deployment_model", window),
            kpis=["incidents_by_cause"],
            unavailable=data.unavailable,
            otherwise=f"No outage or degraded incident {span}.",
        ),
    ]


def _recovery_and_change(data: ReportData, config: Config) -> list[Chart]:
    periods = data.ops.months(TREND_WINDOW)
    rows = data.ops.rows
    return [
        chart(
            "mttr",
            "Time to restore service",
            "Hours from start to resolution of the outage and degraded incidents resolved "
            "each month: the mean (the customary MTTR), the median and the p90.",
            spread_figure(rows, "mttr_hours", periods, unit_word="hours",
                          counted_as="incidents"),
            kpis=["mttr_hours"],
            unavailable=data.unavailable,
            otherwise="No incident was resolved in the months shown.",
        ),
        chart(
            "provisioning",
            "Provisioning time",
            "Hours from request to ready of the environments that became ready each month: "
            "median and p90.",
            spread_figure(rows, "provisioning_hours", periods, unit_word="hours",
                          counted_as="environments"),
            kpis=["provisioning_hours"],
            unavailable=data.unavailable,
            otherwise="No environment became ready in the months shown.",
        ),
        chart(
            "resilience",
            "Backups and restore tests",
            "Scheduled backups that succeeded (a missed one counts as failed), and "
            "environments with a succeeded restore test in the "
            f"{config.platform.restore_window_days} days to the month's end.",
            trend_figure(rows, {"backup_success_rate": "Backup success",
                                "restore_validation_coverage": "Restore coverage"},
                         periods, config.thresholds),
            kpis=["backup_success_rate", "restore_validation_coverage"],
            unavailable=data.unavailable,
            otherwise="No backup was scheduled and no environment existed in the months "
            "shown.",
        ),
        chart(
            "releases",
            "Release success by deployment model",
            "Deployments (releases, patches, upgrades) each month that succeeded, of all "
            "deployments.",
            segment_rates_figure(rows, "release_success_rate", "deployment_model", periods,
                                 whole="Whole platform",
                                 threshold=config.thresholds.get("release_success_rate")),
            kpis=["release_success_rate"],
            unavailable=data.unavailable,
            otherwise="No deployment in the months shown.",
        ),
    ]


def _hosting(data: ReportData, config: Config, currency: str) -> list[Chart]:
    periods = data.ops.months(TREND_WINDOW)
    rows = data.ops.rows
    as_of = month_label(data.ops.month)
    return [
        chart(
            "multi-tenant",
            "Shared hosting: noisy neighbours and isolation",
            "Multi-tenant environments, each measure on its own scale: the share of "
            f"tenant-days above a {config.platform.noisy_neighbor_cpu_share:.0%} CPU share, "
            "the 95th percentile of daily CPU use, and incidents where one tenant's data or "
            "load reached another.",
            multi_tenant_figure(rows, periods),
            kpis=["noisy_neighbor_rate", "shared_cpu_utilization", "isolation_breaches"],
            unavailable=data.unavailable,
            otherwise="No multi-tenant environment to measure in the months shown.",
            wide=True,
        ),
        chart(
            "gross-margin",
            "Gross margin by deployment model",
            "(MRR - cost to serve) / MRR each month, summed over the accounts of each "
            "deployment model.",
            segment_rates_figure(rows, "gross_margin", "deployment_model", periods,
                                 whole="All accounts",
                                 threshold=config.thresholds.get("gross_margin")),
            kpis=["gross_margin"],
            unavailable=data.unavailable,
            otherwise="No paying account to measure in the months shown.",
        ),
        chart(
            "cost-to-serve",
            f"Cost to serve per account, {as_of}",
            f"Hosting, support and success cost of each paying account in {currency}, by "
            "deployment model (accounts in brackets): the box is the middle half, the line "
            "the median, the dashed line the mean.",
            cost_to_serve_figure(data.ops.account_costs, currency),
            kpis=["cost_to_serve"],
            unavailable=data.unavailable,
            otherwise=f"No account's cost to serve in {as_of}.",
        ),
        chart(
            "customization",
            "Customisation overhead of dedicated hosting",
            "Custom modules per dedicated environment existing in the month.",
            trend_figure(rows, {"customization_overhead": "Dedicated environments"}, periods,
                         config.thresholds, tickformat=",.1f", hover="%{y:,.2f}",
                         axis_title="custom modules per environment"),
            kpis=["customization_overhead"],
            unavailable=data.unavailable,
            otherwise="No dedicated environment in the months shown.",
        ),
    ]

