"""What a KPI group is, and the shared inputs every group computes from.

A group is a few KPIs computed together from the same tables (the revenue bridge, the
renewal rates, ...). It declares its KPIs (their tables come from the catalogue) and a
`build` function that returns ibis expressions in the kpi_values shape; the engine
decides whether the group can run, inserts what it returns and records its timing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import count
from typing import TYPE_CHECKING

from caresight.kpis.catalog import KPIS

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend

    from caresight.config import Config
    from caresight.kpis.periods import Period

log = logging.getLogger(__name__)


@dataclass
class KpiContext:
    """The inputs shared by every group: the store, the settings, the month spine and the
    account segments, plus a way to materialise intermediate tables."""

    backend: Backend
    config: Config
    #: The month spine as Python objects, and as a table (see periods.Period for columns).
    period_list: list[Period]
    periods: ir.Table
    #: (account_id, dimension, segment) for the book's dimensions and `all`.
    segments: ir.Table
    #: (idx, period, dimension, segment): every segment in every period.
    spine: ir.Table
    #: Names of the dataset tables the store holds.
    present: frozenset[str] = frozenset()
    #: Intermediate tables shared between groups (for example the FX rate grid).
    cache: dict[str, ir.Table] = field(default_factory=dict)
    _names: count = field(default_factory=count)

    @property
    def as_of(self) -> date:
        return self.period_list[-1].measure_day

    @property
    def last_idx(self) -> int:
        return self.period_list[-1].idx

    def has_table(self, name: str) -> bool:
        """Whether the loaded dataset has this table (optional tables may be absent)."""
        return name in self.present

    def table(self, name: str) -> ir.Table:
        return self.backend.table(name)

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute `expr` once into a temporary table, for expressions used more than once
        or large enough that recomputing them would cost more than storing them."""
        unique = f"_kpi_{name}_{next(self._names)}"
        if log.isEnabledFor(logging.DEBUG):
            log.debug("materialising %s:\n%s", unique, self.backend.compile(expr))
        return self.backend.create_table(unique, expr, temp=True)


#: Builds a group's rows: expressions with exactly the kpi_values columns.
Build = Callable[[KpiContext], list["ir.Table"]]


@dataclass(frozen=True)
class KpiGroup:
    """KPIs computed together. `money_tables` name the tables whose `currency` column
    decides whether the group needs fx_rates (only when some currency differs from the
    reporting currency); an absent optional money table needs none."""

    name: str
    kpis: tuple[str, ...]
    build: Build
    money_tables: tuple[str, ...] = ()
    #: Tables of which at least one must be present besides `tables` (for example a source
    #: of cost: without any, a figure would rest on settings alone).
    one_of: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [k for k in self.kpis if k not in KPIS]
        if unknown:
            raise ValueError(f"group {self.name} names KPIs not in the catalogue: {unknown}")

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table its KPIs need, as the catalogue lists them, in order."""
        needed: dict[str, None] = {}
        for kpi in self.kpis:
            needed.update(dict.fromkeys(KPIS[kpi].tables))
        return tuple(needed)
