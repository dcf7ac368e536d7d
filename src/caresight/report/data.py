"""What the executive report shows, read from the computed results in one pass.

The report never computes a KPI: it reads `kpi_values` (and `kpi_availability`, the
store's meta facts, partner names and the detail table `project_gates`) and reshapes a few
hundred rows for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from caresight.errors import StoreError
from caresight.kpis.catalog import kpis_in
from caresight.kpis.implementation import GATES, PROJECT_GATES
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

#: The catalogue sections drawn by the adoption and onboarding part and the platform part.
ADOPTION_SECTIONS = ("adoption", "implementation")
PLATFORM_SECTIONS = ("platform",)
OPS_KPIS = tuple(
    kpi.id for section in (*ADOPTION_SECTIONS, *PLATFORM_SECTIONS) for kpi in kpis_in(section)
)

#: Months of go-lives the per-delivery-partner figures cover: a partner takes one or two
#: projects live a month, too few to compare on. The engine's `_12m` KPIs cover as many.
PARTNER_WINDOW = 12

#: Columns of the long rows the adoption and platform parts read.
_ROW_COLUMNS = ["kpi", "period", "dimension", "segment", "value", "numerator", "denominator",
                "n", "status"]


@dataclass(frozen=True)
class Book:
    """Whole-book results: one row per period ('YYYY-MM'), one column per KPI."""

    values: pd.DataFrame
    status: pd.DataFrame
    #: How many units (accounts, renewals, go-lives) each value rests on.
    n: pd.DataFrame

    @classmethod
    def of(cls, rows: pd.DataFrame) -> Book:
        """The book from long kpi_values rows of dimension `all`."""
        return cls(_wide(rows, "kpi", "value"), _wide(rows, "kpi", "status"),
                   _wide(rows, "kpi", "n"))

    def status_at(self, period: str, kpi: str) -> str | None:
        if kpi not in self.status.columns or period not in self.status.index:
            return None
        status = self.status.at[period, kpi]
        return status if isinstance(status, str) and status in _STATUSES else None


_STATUSES = ("green", "amber", "red")


@dataclass(frozen=True)
class OpsData:
    """What the adoption and onboarding part and the platform part draw."""

    #: The month they report: the latest full month with results (see reported_month).
    month: str
    #: `month` is the latest month and still in progress: the store has no full month.
    in_progress: bool
    book: Book
    #: Every row of their KPIs except the per-account ones (columns of _ROW_COLUMNS).
    rows: pd.DataFrame
    #: Cost to serve per account in `month`, with the account's deployment
    #: model: columns account_id, deployment_model, value.
    account_costs: pd.DataFrame
    #: Each environment's deployment model, to label the environments' uptime.
    environment_models: dict[str, str]
    #: Projects that went live in the PARTNER_WINDOW months to `month`, counted per delivery
    #: partner from project_gates: columns delivery_partner, go_lives, onboarding and
    #: expansion (go-lives of each kind), passed_all and, per gate of GATES, the go-lives
    #: that failed it. None when the store has no project_gates.
    gate_failures: pd.DataFrame | None

    def months(self, count: int) -> list[str]:
        """Up to `count` months ending with `month`, from the first month with results: a
        chart over time does not start with a run of months before the data begins."""
        first = str(self.rows["period"].min()) if not self.rows.empty else self.month
        return [period for period in months_ending(self.month, count) if period >= first]


@dataclass(frozen=True)
class ReportData:
    """The results the report draws, each frame indexed by period ('YYYY-MM')."""

    latest: str
    #: Whole-book revenue values, statuses and counts.
    book: Book
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
    ops: OpsData


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
            book=Book.of(book_rows),
            channel_mrr=_wide(channel_rows, "segment", "value"),
            segments=_segment_table(segment_rows),
            unavailable=_unavailable(store),
            currency=store.meta("kpis_currency"),
            measured_on=store.meta("kpis_as_of"),
            partner_names=_partner_names(store),
            ops=_ops_data(store, latest, store.meta("kpis_as_of")),
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


def in_progress(latest: str, measured_on: str | None) -> bool:
    """Whether the latest month was still in progress: the store was measured in it,
    before its last day."""
    if measured_on is None or measured_on[:7] != latest:
        return False
    day = date.fromisoformat(measured_on)
    return (day + timedelta(days=1)).month == day.month


def last_full_month(latest: str, measured_on: str | None) -> str:
    """The latest month, or the one before it while the latest is still in progress.

    The adoption and platform parts count flows within the month (active users, incidents,
    deployments, costs): a few days of December are not December, and would read as a fall
    in every rate."""
    return previous_month(latest) if in_progress(latest, measured_on) else latest


def reported_month(latest: str, measured_on: str | None, periods: pd.Series) -> str:
    """The month the adoption and platform parts report: the last full month when it has
    results (`periods`: the periods of their rows with a value), else the latest month,
    even in progress. A store whose results begin in the month in progress has no full
    month, and a month before the first result would report nothing."""
    month = last_full_month(latest, measured_on)
    return month if month == latest or (periods == month).any() else latest


def _ops_data(store: Store, latest: str, measured_on: str | None) -> OpsData:
    rows = _ops_rows(store)
    month = reported_month(latest, measured_on, rows.loc[rows["value"].notna(), "period"])
    return OpsData(
        month=month,
        in_progress=month == latest and in_progress(latest, measured_on),
        book=Book.of(rows[rows["dimension"] == "all"]),
        rows=rows,
        account_costs=_account_costs(store, month),
        environment_models=_pairs(store, "environments", "environment_id", "deployment_model"),
        gate_failures=_gate_failures(store, month),
    )


def _ops_rows(store: Store) -> pd.DataFrame:
    """The rows of the adoption, implementation and platform KPIs but the per-account ones
    (which would multiply the rows read by the number of accounts)."""
    dimensions = [
        str(row[0])
        for row in store.con.execute("SELECT DISTINCT dimension FROM kpi_values").fetchall()
        if row[0] != "account"
    ]
    if not dimensions:
        return pd.DataFrame(columns=_ROW_COLUMNS)
    rows = _frame(store, KpiQuery(kpis=list(OPS_KPIS), dimensions=dimensions))
    return rows[_ROW_COLUMNS] if not rows.empty else pd.DataFrame(columns=_ROW_COLUMNS)


def _account_costs(store: Store, month: str) -> pd.DataFrame:
    """Each account's cost to serve in `month`, beside its deployment model."""
    rows = _frame(
        store, KpiQuery(kpis=["cost_to_serve"], dimensions=["account"], periods=[month])
    )
    models = _pairs(store, "accounts", "account_id", "deployment_model")
    if rows.empty or not models:
        return pd.DataFrame(columns=["account_id", "deployment_model", "value"])
    costs = rows[rows["value"].notna()].rename(columns={"segment": "account_id"})
    costs = costs.assign(deployment_model=costs["account_id"].map(models).fillna("unknown"))
    return costs[["account_id", "deployment_model", "value"]].reset_index(drop=True)


def _gate_failures(store: Store, month: str) -> pd.DataFrame | None:
    """Per delivery partner, the projects that went live in the PARTNER_WINDOW months to
    `month`: how many, how many passed every gate, and how many failed each gate. Counting
    the engine's per-project verdicts, not judging gates again."""
    if not store.has_table(PROJECT_GATES):
        return None
    window = months_ending(month, PARTNER_WINDOW)
    failed = ", ".join(f'count_if(NOT "{gate}_met") AS "{gate}"' for gate in GATES)
    return store.con.execute(
        "SELECT delivery_partner, count(*) AS go_lives, "
        "count_if(kind = 'onboarding') AS onboarding, count_if(kind = 'expansion') AS expansion, "
        f"count_if(passed_all) AS passed_all, "
        f"{failed} FROM {PROJECT_GATES} WHERE period BETWEEN ? AND ? "
        "GROUP BY delivery_partner ORDER BY delivery_partner",
        [window[0], window[-1]],
    ).df()


def _pairs(store: Store, table: str, key: str, column: str) -> dict[str, str]:
    """key -> column of a dataset table; empty when the store has no such table."""
    if not store.has_table(table):
        return {}
    rows = store.con.execute(
        f'SELECT "{key}", "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
    ).fetchall()
    return {str(k): str(v) for k, v in rows}


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
    opening = value_at(data.book.values, opening_period, "mrr")
    closing = value_at(data.book.values, data.latest, "mrr")
    if opening is None or closing is None:
        return None
    steps = []
    for kpi, sign in BRIDGE_STEPS:
        amount = value_at(data.book.values, data.latest, kpi)
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


def kpi_slice(
    rows: pd.DataFrame, kpi: str, dimension: str = "all", periods: list[str] | None = None
) -> pd.DataFrame:
    """The rows of one KPI in one dimension that have a value, in `periods` when given."""
    picked = rows[(rows["kpi"] == kpi) & (rows["dimension"] == dimension)]
    if periods is not None:
        picked = picked[picked["period"].isin(periods)]
    return picked[picked["value"].notna()]


def series(
    rows: pd.DataFrame,
    kpi: str,
    periods: list[str],
    *,
    dimension: str = "all",
    segment: str = "all",
    column: str = "value",
) -> list[float | None]:
    """One segment's `column` of a KPI for each of `periods`, None where it has none."""
    picked = kpi_slice(rows, kpi, dimension, periods)
    by_period = picked[picked["segment"] == segment].set_index("period")[column]
    return [
        None if period not in by_period.index or pd.isna(by_period[period])
        else float(by_period[period])
        for period in periods
    ]


def pooled(rows: pd.DataFrame, kpi: str, dimension: str, periods: list[str]) -> pd.DataFrame:
    """A rate over several months for each segment: the months' numerators summed over
    their denominators summed, which is the rate of all the units at once (not a mean of
    monthly rates). Columns segment, numerator, denominator, value, n; segments whose
    denominators add up to zero are left out."""
    picked = kpi_slice(rows, kpi, dimension, periods)
    picked = picked[picked["denominator"].notna()]
    if picked.empty:
        return pd.DataFrame(columns=["segment", "numerator", "denominator", "value", "n"])
    sums = picked.groupby("segment", as_index=False)[["numerator", "denominator", "n"]].sum()
    sums = sums[sums["denominator"] > 0]
    return sums.assign(value=sums["numerator"] / sums["denominator"])
