"""Downtime on random incident sets: it agrees with counting minutes one by one, uptime
stays within [0, 1], and merging does not depend on how the incidents are written down.

Each example builds a store and computes only the uptime rows (the engine's context and
the uptime group), which keeps the examples quick. The reporting zone is New York, so
months start at 05:00 or 04:00 UTC and March is an hour short.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caresight.config import Config
from caresight.kpis.engine import _context
from caresight.kpis.periods import Period
from caresight.kpis.platform import build_uptime
from caresight.store import Store
from conftest import write_tables
from factories import account, line

ZONE = "America/New_York"
AS_OF = "2024-03-20"
ORIGIN = datetime(2024, 1, 1)
TENANTS = ("A", "B")

#: Minutes from ORIGIN: from mid-December to past as_of.
instants = st.integers(-20 * 1440, 95 * 1440)


def at(minute: int) -> str:
    return (ORIGIN + timedelta(minutes=minute)).isoformat(sep=" ")


def minute_of(instant: datetime) -> int:
    return int((instant - ORIGIN).total_seconds() // 60)


@dataclass
class Platform:
    """One environment with tenants A and B, its incidents and maintenance windows."""

    ready: int
    retired: int | None
    #: (start, end or None while open, impact, tenant or None)
    incidents: list[tuple[int, int | None, str, str | None]]
    maintenance: list[tuple[int, int]]
    weight: float

    def tables(self) -> dict[str, list[dict]]:
        return {
            "accounts": [account(t, environment_id="E") for t in TENANTS],
            "subscription_lines": [line("l1", "A", "2024-01-01", 100)],
            "environments": [{
                "environment_id": "E", "deployment_model": "multi_tenant",
                "requested_at": at(self.ready - 60), "ready_at": at(self.ready),
                "retired_at": None if self.retired is None else at(self.retired),
                "monthly_cost": 0.0, "currency": "USD",
            }],
            "incidents": [
                {
                    "incident_id": f"i{n}", "environment_id": "E", "account_id": tenant,
                    "started_at": at(start), "resolved_at": None if end is None else at(end),
                    "severity": "sev2", "impact": impact, "cause_owner": "platform",
                }
                for n, (start, end, impact, tenant) in enumerate(self.incidents)
            ],
            "maintenance_windows": [
                {"environment_id": "E", "starts_at": at(start), "ends_at": at(end)}
                for start, end in self.maintenance
            ],
        }


@st.composite
def platforms(draw: st.DrawFn) -> Platform:
    ready = draw(instants)
    lifetime = draw(st.none() | st.integers(1, 80 * 1440))
    incidents = []
    for _ in range(draw(st.integers(0, 7))):
        start = draw(instants)
        length = draw(st.none() | st.integers(0, 4 * 1440))
        incidents.append((
            start,
            None if length is None else start + length,
            draw(st.sampled_from(["outage", "degraded"])),
            draw(st.sampled_from([None, *TENANTS])),
        ))
    maintenance = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(instants)
        maintenance.append((start, start + draw(st.integers(0, 2 * 1440))))
    return Platform(
        ready=ready,
        retired=None if lifetime is None else ready + lifetime,
        incidents=incidents,
        maintenance=maintenance,
        weight=draw(st.sampled_from([0.0, 0.3, 1.0])),
    )


def uptime_rows(platform: Platform) -> tuple[pd.DataFrame, list[Period]]:
    """The uptime rows of `platform`'s store, and its periods."""
    import ibis

    path = Path(tempfile.mkdtemp()) / "downtime.duckdb"
    with Store(path, create=True) as store:
        write_tables(store, platform.tables())
    config = Config(
        as_of=AS_OF, reporting_timezone=ZONE, platform={"degraded_weight": platform.weight}
    )
    with Store(path) as store:
        ctx = _context(store, config)
        rows = ibis.union(*build_uptime(ctx)).execute()
    return rows, ctx.period_list


def counted_minutes(platform: Platform, period: Period, tenant: str) -> tuple[int, float] | None:
    """(eligible, downtime) of one tenant in one period, counted minute by minute; None
    when the environment did not exist in the period."""
    end_of_life = minute_of(period.measure_end_utc)
    if platform.retired is not None:
        end_of_life = min(end_of_life, platform.retired)
    existed = set(range(max(minute_of(period.start_utc), platform.ready), end_of_life))
    if not existed:
        return None

    def covered(impact: str) -> set[int]:
        minutes: set[int] = set()
        for start, end, kind, named in platform.incidents:
            if kind == impact and named in (None, tenant):
                minutes |= set(range(start, end_of_life if end is None else end))
        return minutes & existed

    maintenance = set().union(*[set(range(s, e)) for s, e in platform.maintenance]) & existed
    outage = covered("outage") - maintenance
    degraded = covered("degraded") - maintenance - outage
    return len(existed - maintenance), len(outage) + platform.weight * len(degraded)


def row_of(rows: pd.DataFrame, period: str, dimension: str, segment: str) -> pd.DataFrame:
    return rows[(rows.period == period) & (rows.dimension == dimension)
                & (rows.segment == segment)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platforms())
def test_downtime_agrees_with_counting_minutes(platform: Platform) -> None:
    rows, periods = uptime_rows(platform)
    for period in periods:
        environment = row_of(rows, period.period, "environment", "E")
        if counted_minutes(platform, period, "A") is None:
            assert environment.empty
            continue

        downtimes = []
        for tenant in TENANTS:
            eligible, downtime = counted_minutes(platform, period, tenant) or (0, 0.0)
            found = row_of(rows, period.period, "account", tenant).iloc[0]
            assert found.denominator == pytest.approx(eligible, abs=1e-6)
            assert found.numerator == pytest.approx(eligible - downtime, abs=1e-6)
            downtimes.append(downtime)

        # The environment's downtime is the mean of its two tenants'.
        mean_downtime = sum(downtimes) / len(TENANTS)
        assert environment.iloc[0].numerator == pytest.approx(eligible - mean_downtime, abs=1e-6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platforms())
def test_uptime_stays_between_zero_and_one(platform: Platform) -> None:
    rows, _ = uptime_rows(platform)
    values = rows.value.dropna()
    assert ((values >= 0) & (values <= 1)).all()
    # Empty only where nothing was eligible.
    assert (rows[rows.value.isna()].denominator.fillna(0) == 0).all()


@st.composite
def rewritten(draw: st.DrawFn) -> tuple[Platform, Platform]:
    """A platform, and the same platform with its incidents shuffled and one closed
    incident split into two overlapping pieces."""
    platform = draw(platforms())
    incidents = list(platform.incidents)
    closed = [i for i, (start, end, _, _) in enumerate(incidents) if end is not None]
    if closed:
        start, end, impact, tenant = incidents.pop(draw(st.sampled_from(closed)))
        assert end is not None
        cut = draw(st.integers(start, end))
        overlap = draw(st.integers(0, 600))
        incidents += [(start, min(end, cut + overlap), impact, tenant), (cut, end, impact, tenant)]
    shuffled = draw(st.permutations(incidents))
    return platform, Platform(
        platform.ready, platform.retired, list(shuffled), platform.maintenance, platform.weight
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rewritten())
def test_merging_ignores_order_and_splits(pair: tuple[Platform, Platform]) -> None:
    original, rewrite = pair
    columns = ["period", "dimension", "segment", "numerator", "denominator"]
    before, _ = uptime_rows(original)
    after, _ = uptime_rows(rewrite)
    ordered = [c for c in columns if c not in ("numerator", "denominator")]
    pd.testing.assert_frame_equal(
        before[columns].sort_values(ordered).reset_index(drop=True),
        after[columns].sort_values(ordered).reset_index(drop=True),
    )
