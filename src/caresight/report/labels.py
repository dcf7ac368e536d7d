"""How the report writes numbers, months and segment names for people to read."""

from __future__ import annotations

import math
from datetime import date

from caresight.kpis.results import EMPTY, format_value

#: Segment values written as acronyms rather than capitalised words.
_ACRONYMS = {"oem": "OEM", "emea": "EMEA", "apac": "APAC", "amer": "AMER", "latam": "LATAM"}

#: Dimensions whose values are lower-case enumerations, shown as words.
_WORDED_DIMENSIONS = {
    "channel", "deployment_model", "customer_type", "service_tier", "region", "product_category",
    "role", "department", "module", "cause_owner",
}

DIMENSION_TITLES = {
    "all": "Whole book",
    "channel": "Channel",
    "deployment_model": "Deployment model",
    "customer_type": "Customer type",
    "partner": "Commercial partner",
    "delivery_partner": "Delivery partner",
    "service_tier": "Service tier",
    "region": "Region",
    "role": "Role",
    "department": "Department",
    "module": "Module",
    "environment": "Environment",
    "cause_owner": "Cause owner",
}

#: How a tile names a unit after its figure.
UNIT_WORDS = {
    "days": "days",
    "hours": "hours",
    "minutes": "min",
    "ms": "ms",
    "per_environment": "per env.",
    "per_100_users": "per 100 users",
    "per_10_users": "per 10 users",
}

#: What each KPI's `n` counts (one, many); a KPI not named here counts accounts.
_UNITS_COUNTED = {
    "renewal_rate": ("renewal", "renewals"),
    "active_user_rate": ("licensed user", "licensed users"),
    "features_in_production_use": ("feature", "features"),
    "training_completion": ("assignment", "assignments"),
    "onboarding_cycle_days": ("go-live", "go-lives"),
    "go_live_delay_days": ("go-live", "go-lives"),
    "stage_gate_pass_rate": ("go-live", "go-lives"),
    "milestone_adherence": ("milestone", "milestones"),
    "data_migration_acceptance": ("batch", "batches"),
    "uptime": ("environment", "environments"),
    "incident_rate": ("environment", "environments"),
    "mttr_hours": ("incident", "incidents"),
    "backup_success_rate": ("backup", "backups"),
    "restore_validation_coverage": ("environment", "environments"),
    "release_success_rate": ("deployment", "deployments"),
    "provisioning_hours": ("environment", "environments"),
}


def counted(kpi: str, count: int) -> str:
    """'4 renewals', '1 account': the units a KPI's value rests on."""
    one, many = _UNITS_COUNTED.get(kpi, ("account", "accounts"))
    return f"{count:,} {one if count == 1 else many}"


def table_list(missing: str) -> str:
    """Comma-separated table names, each once, as 'users, workflow_events'."""
    names = dict.fromkeys(name.strip() for name in missing.split(",") if name.strip())
    return ", ".join(names)


def _empty(value: float | None) -> bool:
    return value is None or math.isnan(value)


#: (from this size, divide by, suffix); below ten thousand the amount is written whole.
_SCALES = ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"), (0.0, 1.0, ""))


def compact_money(value: float | None, *, signed: bool = False) -> str:
    """Money in about three significant figures: 1.23M, 48.3K, 950; '—' when empty."""
    if value is None or _empty(value):
        return EMPTY
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    size = abs(value)
    index = next(i for i, (start, _, _) in enumerate(_SCALES) if size >= start)
    text = _scaled(size, *_SCALES[index][1:])
    # 999,960 rounds to "1000K"; the next scale up writes it as "1.00M".
    if 0 < index < len(_SCALES) - 1 and float(text[:-1]) >= 1000:
        text = _scaled(size, *_SCALES[index - 1][1:])
    return text if text == "0" else sign + text


def _scaled(size: float, scale: float, suffix: str) -> str:
    if not suffix:
        return f"{size:,.0f}"
    scaled = size / scale
    digits = 2 if scaled < 10 else 1 if scaled < 100 else 0
    return f"{scaled:.{digits}f}{suffix}"


def whole_money(value: float | None) -> str:
    """Money in whole units with thousands separators, for tables: 1,234,568."""
    if value is None or _empty(value):
        return EMPTY
    return f"{value:,.0f}"


def display_value(value: float | None, unit: str) -> str:
    """A KPI value in a tile or table cell: compact money, otherwise as the CLI prints it."""
    if unit == "currency":
        return compact_money(value)
    return format_value(value, unit)


def month_label(period: str, *, short: bool = False) -> str:
    """'2026-06' as 'June 2026', or 'Jun 2026' when short."""
    day = date(int(period[:4]), int(period[5:7]), 1)
    return day.strftime("%b %Y" if short else "%B %Y")


def segment_label(dimension: str, segment: str, partner_names: dict[str, str] | None = None) -> str:
    """A segment as a reader knows it: 'White label', 'OEM', or a partner's name."""
    if dimension == "all":
        return "All accounts"
    if dimension in ("partner", "delivery_partner"):
        names = partner_names or {}
        if segment in names:
            return names[segment]
        return {"direct": "Direct (no partner)", "platform": "Platform team"}.get(
            segment, segment
        )
    if dimension not in _WORDED_DIMENSIONS:
        return segment
    words = [_ACRONYMS.get(word, word) for word in segment.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def percent_text(value: float) -> str:
    """A target rate as written in the configuration: 90.0%, 99.9%, 99.95%; one decimal at
    least, more only where the value has them (an uptime target of 99.95% must not read
    as 100.0%)."""
    text = f"{value * 100:.3f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals or '0'}%"
