"""Headline tiles: a KPI's latest whole-book value, its change, status, trend and basis.

Every section of the report (revenue, adoption and onboarding, platform) opens with a row
of tiles built the same way from a `Book` of period-indexed frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from caresight.config import Threshold
from caresight.kpis.catalog import KPIS
from caresight.kpis.results import format_value
from caresight.report.data import Book, months_ending, previous_month, value_at
from caresight.report.labels import (
    UNIT_WORDS,
    compact_money,
    counted,
    display_value,
    percent_text,
    table_list,
)

#: How many months the tiles' sparklines cover.
TREND_MONTHS = 12

#: Tile titles, short enough to sit on one line of a narrow tile.
_TILE_TITLES = {
    "grr_12m": "GRR 12m",
    "nrr_12m": "NRR 12m",
    "days_to_first_workflow": "First workflow",
    "days_to_stable_usage": "Stable usage",
    "onboarding_cycle_days": "Onboarding cycle",
    "go_live_delay_days": "Go-live delay",
    "stage_gate_pass_rate": "Go-live gates met",
    "restore_validation_coverage": "Restore coverage",
    "mttr_hours": "MTTR",
    "provisioning_hours": "Provisioning",
    "features_in_production_use": "Features in use",
}

STATUS_WORDS = {"green": "On target", "amber": "Watch", "red": "Off target", "none": "No target"}

#: Units whose change reads as a difference with the unit named ('+3.0 days').
_DURATIONS = ("days", "hours", "minutes")

#: Rates whose targets sit so close to 100 % that one decimal would round them away
#: (99.96 % uptime is not 100.0 %): shown with two.
_FINE_RATES = ("uptime",)


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
    #: What a value rests on, e.g. "on 4 renewals" or "p90 212.0 days · 14 projects".
    basis: str = ""


def tile(
    kpi: str,
    book: Book,
    latest: str,
    currency: str,
    thresholds: dict[str, Threshold],
    unavailable: dict[str, str],
) -> Tile:
    """The tile of one KPI for the month `latest`."""
    meta = KPIS[kpi]
    value = value_at(book.values, latest, kpi)
    status = book.status_at(latest, kpi)
    trend = [value_at(book.values, period, kpi) for period in months_ending(latest, TREND_MONTHS)]
    before = value_at(book.values, previous_month(latest), kpi)
    change, change_class = change_text(kpi, value, before)
    return Tile(
        kpi=kpi,
        title=_TILE_TITLES.get(kpi, meta.title),
        value=_fine(value) if kpi in _FINE_RATES else display_value(value, meta.unit),
        exact="" if value is None else _exact(value, meta.unit, currency),
        unit_label="" if value is None else _unit_label(meta.unit, currency),
        empty=value is None,
        empty_reason=empty_reason([kpi], unavailable),
        status=status or "none",
        status_word=_status_word(status, kpi in thresholds),
        change=change,
        change_class=change_class,
        target=target_text(kpi, thresholds, short=True),
        sparkline=sparkline(trend),
        basis=_basis(kpi, book, latest),
    )


def _fine(value: float | None) -> str:
    return display_value(value, "ratio") if value is None else f"{value * 100:.2f}%"


def _unit_label(unit: str, currency: str) -> str:
    return currency if unit == "currency" else UNIT_WORDS.get(unit, "")


#: Below this many units a rate is marked in the segment table as resting on few.
THIN_SAMPLE = 10


def basis(kpi: str, n: float | None) -> str:
    """What a rate rests on, so that a red 0 % of one renewal is not read as a trend."""
    if KPIS[kpi].unit != "ratio" or n is None:
        return ""
    return f"on {counted(kpi, int(n))}"


def _basis(kpi: str, book: Book, latest: str) -> str:
    """A tile's basis: the count for a rate; the spread and count for a duration."""
    n = value_at(book.n, latest, kpi)
    unit = KPIS[kpi].unit
    if unit not in _DURATIONS:
        return basis(kpi, n)

    # A median alone hides the long tail: the tile names the p90 beside it (and the
    # median beside MTTR, whose headline figure is the mean).
    parts = [
        f"{label} {format_value(spread, unit)} {UNIT_WORDS[unit]}"
        for label, spread in (
            ("p50", value_at(book.values, latest, f"{kpi}_p50")),
            ("p90", value_at(book.values, latest, f"{kpi}_p90")),
        )
        if spread is not None
    ]
    if n is not None:
        parts.append(counted(kpi, int(n)))
    return " · ".join(parts)


def empty_reason(kpis: list[str], unavailable: dict[str, str]) -> str:
    """Why KPIs have no value: the tables the dataset lacks, or nothing to measure."""
    missing = [table_list(unavailable[kpi]) for kpi in kpis if kpi in unavailable]
    if missing and len(missing) == len(kpis):
        tables = table_list(", ".join(missing))
        return f"no data: the dataset has no {tables}"
    # The tables are there: the month had nothing to measure (no renewal fell due, no
    # environment became ready), which is not the same as missing data.
    return "none to measure this month"


def _status_word(status: str | None, has_target: bool) -> str:
    if status is not None:
        return STATUS_WORDS[status]
    return "No status" if has_target else ""


def _exact(value: float, unit: str, currency: str) -> str:
    text = format_value(value, unit)
    return f"{text} {currency}" if unit == "currency" else text


def change_text(kpi: str, value: float | None, before: float | None) -> tuple[str, str]:
    """The change against the month before, and whether that is good news."""
    if value is None:
        return "", "none"
    if before is None:
        return "no value last month", "none"

    delta = value - before
    unit = KPIS[kpi].unit
    if unit == "ratio":
        digits = 2 if kpi in _FINE_RATES else 1
        amount = f"{delta * 100:+.{digits}f} pp"
        flat = float(amount[:-3]) == 0
    elif unit == "currency":
        relative = f" ({delta / before:+.1%})" if before else ""
        amount = compact_money(delta, signed=True) + relative
        flat = abs(delta) < 0.005
    elif unit in _DURATIONS:
        amount = f"{delta:+,.1f} {UNIT_WORDS[unit]}"
        flat = f"{delta:+,.1f}" in ("+0.0", "-0.0")
    elif unit == "count":
        amount = f"{delta:+,.0f}"
        flat = delta == 0
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


def target_text(kpi: str, thresholds: dict[str, Threshold], *, short: bool = False) -> str:
    """The KPI's thresholds in words: 'Target ≥ 90.0% · watch ≥ 85.0%'."""
    if kpi not in thresholds:
        return ""
    sign = "≥" if KPIS[kpi].direction == "up" else "≤"
    target = f"Target {sign} {threshold_text(kpi, thresholds[kpi].green)}"
    if short:
        return target
    return f"{target} · watch {sign} {threshold_text(kpi, thresholds[kpi].amber)}"


def threshold_text(kpi: str, value: float) -> str:
    """A threshold in the KPI's unit, rates with every decimal the configuration gives."""
    unit = KPIS[kpi].unit
    return percent_text(value) if unit == "ratio" else format_value(value, unit)


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
