"""Computing KPIs on hand-built stores and reading single values back."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from caresight.config import Config
from caresight.kpis.engine import ComputeResult, compute_kpis
from caresight.store import Store
from conftest import write_tables


@dataclass
class Computed:
    """What compute_kpis returned and wrote."""

    result: ComputeResult | None
    values: pd.DataFrame
    availability: pd.DataFrame

    def rows(self, kpi: str, dimension: str = "all", segment: str = "all") -> pd.DataFrame:
        v = self.values
        return v[(v.kpi == kpi) & (v.dimension == dimension) & (v.segment == segment)]

    def row(self, kpi: str, period: str, dimension: str = "all", segment: str = "all") -> dict:
        """The one row of a KPI in a period and segment, with NaN read as None."""
        found = self.rows(kpi, dimension, segment)
        found = found[found.period == period]
        assert len(found) == 1, f"{len(found)} rows for {kpi} {period} {dimension}={segment}"
        return {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in found.iloc[0].to_dict().items()
        }

    def value(self, kpi: str, period: str, dimension: str = "all", segment: str = "all"):
        return self.row(kpi, period, dimension, segment)["value"]

    def has(self, kpi: str, period: str, dimension: str, segment: str) -> bool:
        found = self.rows(kpi, dimension, segment)
        return bool((found.period == period).any())


def config(as_of: str, **settings: Any) -> Config:
    return Config(as_of=as_of, **settings)


def compute_on(path: Path, tables: dict[str, list[dict]], as_of: str, **settings) -> Computed:
    """Write `tables` into a new store at `path`, compute, and read the results; for
    stores shared by a module's tests or built inside a hypothesis example."""
    with Store(path, create=True) as store:
        write_tables(store, tables)
    result = compute_kpis(path, config(as_of, **settings))
    return read_results(path, result)


def read_results(path: Path, result: ComputeResult | None = None) -> Computed:
    with Store(path, read_only=True) as store:
        values = store.con.execute("SELECT * FROM kpi_values").df()
        availability = store.con.execute("SELECT * FROM kpi_availability").df()
    return Computed(result, values, availability)


#: The `compute` fixture: compute(as_of=..., settings={...}, **tables) -> Computed.
ComputeFn = Callable[..., Computed]
