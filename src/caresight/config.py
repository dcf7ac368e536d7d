"""The framework configuration: one TOML file, validated, over shipped defaults."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from caresight.errors import ConfigError

DEFAULT_CONFIG_NAME = "caresight.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Section):
    green: float
    amber: float


class RevenueSettings(_Section):
    forecast_lead_days: int = Field(90, ge=0)
    renewal_horizon_days: int = Field(180, ge=1)
    commit_probability: float = Field(0.8, ge=0, le=1)


class AdoptionSettings(_Section):
    workflow_event_floor: int = Field(20, ge=1)
    productive_day_events: int = Field(20, ge=1)
    feature_use_days: int = Field(30, ge=1)
    stable_weeks: int = Field(4, ge=1)
    stable_active_user_rate: float = Field(0.6, ge=0, le=1)
    stable_tickets_per_100_users: float = Field(2.0, ge=0)
    dependency_categories: tuple[str, ...] = ("how_to", "configuration", "access")
    dependency_after_go_live_days: int = Field(90, ge=0)
    ebr_grace_days: int = Field(30, ge=0)


class ImplementationSettings(_Section):
    milestone_tolerance_days: int = Field(3, ge=0)
    first_90d_days: int = Field(90, ge=1)


class GateSettings(_Section):
    data_migration_acceptance: float = Field(0.98, ge=0, le=1)
    integration_readiness: float = Field(1.0, ge=0, le=1)
    training_before_go_live: float = Field(0.8, ge=0, le=1)
    milestone_adherence: float = Field(0.8, ge=0, le=1)


class PlatformSettings(_Section):
    degraded_weight: float = Field(0.0, ge=0, le=1)
    slow_query_ms: float = Field(500.0, ge=0)
    noisy_neighbor_cpu_share: float = Field(0.25, ge=0, le=1)
    upgrade_window_days: int = Field(14, ge=0)
    restore_window_days: int = Field(90, ge=1)


class CostSettings(_Section):
    support_cost_per_ticket: float = Field(25.0, ge=0)
    success_cost_per_tier: dict[str, float] = Field(
        default_factory=lambda: {"standard": 40.0, "premium": 120.0, "enterprise": 350.0}
    )
    default_success_cost: float = Field(0.0, ge=0)

    @field_validator("success_cost_per_tier")
    @classmethod
    def _not_negative(cls, costs: dict[str, float]) -> dict[str, float]:
        negative = [tier for tier, cost in costs.items() if cost < 0]
        if negative:
            raise ValueError(f"success costs must be 0 or more; {', '.join(negative)} is not")
        return costs


class Config(_Section):
    reporting_currency: str = "USD"
    reporting_timezone: str = "UTC"
    as_of: date | None = None
    memory_limit: str = "4GB"
    revenue: RevenueSettings = Field(default_factory=RevenueSettings)
    adoption: AdoptionSettings = Field(default_factory=AdoptionSettings)
    implementation: ImplementationSettings = Field(default_factory=ImplementationSettings)
    gates: GateSettings = Field(default_factory=GateSettings)
    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    costs: CostSettings = Field(default_factory=CostSettings)
    thresholds: dict[str, Threshold] = Field(default_factory=dict)

    @field_validator("reporting_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha() or not value.isupper():
            raise ValueError(f"{value!r} is not an ISO 4217 code such as USD or EUR")
        return value

    @field_validator("reporting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone such as UTC or America/Los_Angeles"
            ) from None
        return value

    @field_validator("as_of")
    @classmethod
    def _plausible_day(cls, value: date | None) -> date | None:
        if value is not None and not 1970 <= value.year <= 2999:
            raise ValueError("must be a day between 1970 and 2999")
        return value

    @field_validator("thresholds")
    @classmethod
    def _known_kpis(cls, thresholds: dict[str, Threshold]) -> dict[str, Threshold]:
        from difflib import get_close_matches

        from caresight.kpis.catalog import KPIS

        for kpi, threshold in thresholds.items():
            if kpi not in KPIS:
                close = get_close_matches(kpi, list(KPIS), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ValueError(f"{kpi} is not a KPI id{hint}")
            up = KPIS[kpi].direction == "up"
            if (threshold.green < threshold.amber) if up else (threshold.green > threshold.amber):
                better = "at or above" if up else "at or below"
                raise ValueError(
                    f"{kpi}: green must be {better} amber, since {kpi} is better "
                    f"{'higher' if up else 'lower'}"
                )
        return thresholds

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.reporting_timezone)

    def measured_on(self) -> date:
        """The as-of day: configured, or today in the reporting time zone."""
        return self.as_of or datetime.now(self.zone).date()


def _defaults() -> dict[str, Any]:
    text = resources.files("caresight").joinpath("defaults.toml").read_text()
    return tomllib.loads(text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _explain(path: str, exc: ValidationError) -> str:
    lines = [f"{path} breaks the configuration rules:"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a configuration key" + _suggest_key(error["loc"])
        elif error["type"] in ("tuple_type", "list_type"):
            message = 'should be a list in square brackets, such as ["how_to", "access"]'
        given = error.get("input")
        shown = "" if isinstance(given, dict) else f" (got {given!r})"
        lines.append(f"  {key}: {message}{shown}")
    return "\n".join(lines)


def _suggest_key(loc: tuple[str | int, ...]) -> str:
    """A close known key for a misspelt one, found in the section the key was given in."""
    from difflib import get_close_matches

    model: type[BaseModel] = Config
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return " (defaults.toml lists them all)"
        model = annotation
    close = get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{hint} (defaults.toml lists them all)"


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read the configuration: shipped defaults, then `path` (or ./caresight.toml if it
    exists), then keyword overrides (used by the CLI for flags such as --as-of)."""
    source = "the shipped defaults"
    data = _defaults()
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = Path(DEFAULT_CONFIG_NAME)
    if path is not None:
        if not path.is_file():
            raise ConfigError(
                f"configuration file {path} does not exist; check the --config path, or "
                "leave --config out to use ./caresight.toml or the shipped defaults"
            )
        data = _merge(data, _read_toml(path))
        source = str(path)
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        data = _merge(data, given)
        source += " with " + ", ".join(f"{key} = {value}" for key, value in given.items())
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(source, exc)) from None
