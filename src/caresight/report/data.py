"""What the executive report shows, read from the computed results in one pass.

The report never computes a KPI: it reads `kpi_values` (and `kpi_availability`, the
store's meta facts and partner names) and reshapes a few hundred rows for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from caresight.errors import StoreError
from caresight.kpis.results import KpiQuery, query_kpi_values
from caresight.store import Store

#: The six figures at the top of the report, in reading order.
HEADLINE_KPIS = ("mrr", "arr", "grr_12m", "nrr_12m", "logo_churn_rate", "renewal_rate")

#: The movements of the MRR bridge between the opening and closing MRR, with their sign.
BRIDGE_STEPS = (
    ("new_mrr", 1),
    ("reactivation_mrr", 1),
    ("expansion_mrr", 1),
    ("contraction_mrr", -1),
    ("churned_mrr", -1),
    ("fx_mrr", 1),
)

RETENTION_KPIS = ("grr_12m", "nrr_12m", "grr_1m", "nrr_1m")

#: The segment table: its dimensions, in order, and its columns.
SEGMENT_DIMENSIONS = ("channel", "deployment_model", "customer_type", "partner")
SEGMENT_KPIS = (
    "mrr", "paying_accounts", "arpa", "grr_12m", "nrr_12m", "logo_churn_rate", "renewal_rate",
)

BOOK_KPIS = tuple(
    dict.fromkeys(
        (*HEADLINE_KPIS, *(kpi for kpi, _ in BRIDGE_STEPS), *RETENTION_KPIS, *SEGMENT_KPIS)
    )
)


@dataclass(frozen=True)
class ReportData:
    """The results the report draws, each frame indexed by period ('YYYY-MM')."""

    latest: str
    #: Whole-book values and statuses: one row per period, one column per KPI.
    book: pd.DataFrame
    book_status: pd.DataFrame
    #: How many units (accounts, renewals) each whole-book value rests on.
    book_n: pd.DataFrame
    #: MRR per channel: one row per period, one column per channel.
    channel_mrr: pd.DataFrame
    #: The latest period for the book and by segment: columns dimension, segment, then one
    #: per KPI and `<kpi>_status`.
    segments: pd.DataFrame
    #: KPIs the dataset could not support, with the tables they lacked.
    unavailable: dict[str, str]
    #: The currency the values were computed in, when the store says.
    currency: str | None
    #: The day the book was measured on ('YYYY-MM-DD'), when the store says.
    measured_on: str | None
    partner_names: dict[str, str]


def read_report_data(store_path: Path) -> ReportData:
    """Everything the report shows, from one read-only visit to the store."""
    with Store(store_path, read_only=True) as store:
        book_rows = _frame(store, KpiQuery(kpis=list(BOOK_KPIS), dimensions=["all"]))
        if book_rows.empty:
            raise StoreError(
                f"the store {store_path} has no KPI values for the whole book to report; "
                f"run `caresight compute --store {store_path}`"
            )
        latest = str(book_rows["period"].max())
        channel_rows = _frame(store, KpiQuery(kpis=["mrr"], dimensions=["channel"]))
        segment_rows = _frame(
            store,
            KpiQuery(
                kpis=list(SEGMENT_KPIS),
                dimensions=["all", *SEGMENT_DIMENSIONS],
                periods=[latest],
            ),
        )
        return ReportData(
            latest=latest,
            book=_wide(book_rows, "kpi", "value"),
            book_status=_wide(book_rows, "kpi", "status"),
            book_n=_wide(book_rows, "kpi", "n"),
            channel_mrr=_wide(channel_rows, "segment", "value"),
            segments=_segment_table(segment_rows),
            unavailable=_unavailable(store),
            currency=store.meta("kpis_currency"),
            measured_on=store.meta("kpis_as_of"),
            partner_names=_partner_names(store),
        )


def _frame(store: Store, query: KpiQuery) -> pd.DataFrame:
    return query_kpi_values(store, query).to_pandas()


def _wide(rows: pd.DataFrame, column: str, values: str) -> pd.DataFrame:
    """One row per period, one column per distinct `column`."""
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot(index="period", columns=column, values=values).sort_index()


def _segment_table(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=["dimension", "segment"])
    values = rows.pivot(index=["dimension", "segment"], columns="kpi", values="value")
    status = rows.pivot(index=["dimension", "segment"], columns="kpi", values="status")
    counts = rows.pivot(index=["dimension", "segment"], columns="kpi", values="n")
    table = values.join(status.add_suffix("_status")).join(counts.add_suffix("_n"))
    return table.reset_index()


def _unavailable(store: Store) -> dict[str, str]:
    if not store.has_table("kpi_availability"):
        return {}
    rows = store.con.execute(
        "SELECT kpi, coalesce(missing_tables, '') FROM kpi_availability "
        "WHERE NOT available ORDER BY kpi"
    ).fetchall()
    return dict(rows)


def _partner_names(store: Store) -> dict[str, str]:
    """Partner names for the partner segments, whose values are partner ids."""
    if not store.has_table("partners"):
        return {}
    return dict(store.con.execute("SELECT partner_id, name FROM partners").fetchall())


@dataclass(frozen=True)
class Bridge:
    """The MRR bridge of one month: opening MRR, signed movements, closing MRR."""

    opening_period: str
    period: str
    opening: float
    #: (KPI id, signed amount); None when the KPI has no value for the month.
    steps: list[tuple[str, float | None]]
    closing: float

    @property
    def gap(self) -> float:
        """What the movements leave unexplained; the engine keeps it under a cent."""
        moved = sum(amount for _, amount in self.steps if amount is not None)
        return self.closing - self.opening - moved


def bridge_of(data: ReportData) -> Bridge | None:
    """The latest month's bridge, or None without MRR for it and the month before."""
    opening_period = previous_month(data.latest)
    opening = value_at(data.book, opening_period, "mrr")
    closing = value_at(data.book, data.latest, "mrr")
    if opening is None or closing is None:
        return None
    steps = []
    for kpi, sign in BRIDGE_STEPS:
        amount = value_at(data.book, data.latest, kpi)
        steps.append((kpi, None if amount is None else sign * amount))
    return Bridge(opening_period, data.latest, opening, steps, closing)


def value_at(frame: pd.DataFrame, period: str, column: str) -> float | None:
    """One cell of a period-indexed frame; None when absent or empty."""
    if column not in frame.columns or period not in frame.index:
        return None
    value = frame.at[period, column]
    return None if pd.isna(value) else float(value)


def previous_month(period: str, months: int = 1) -> str:
    """The period `months` before a 'YYYY-MM' period."""
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_ending(period: str, count: int) -> list[str]:
    """The `count` periods up to and including `period`, oldest first."""
    return [previous_month(period, back) for back in range(count - 1, -1, -1)]
