"""Hand-built `kpi_values` stores, for testing what reads the results before the engine runs.

Import it as `from report.kpi_store import ...` (tests/ is on the import path).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from caresight.kpis.catalog import (
    KPI_AVAILABILITY_DDL,
    KPI_VALUE_COLUMNS,
    KPI_VALUES_DDL,
    KPIS,
)
from caresight.store import Store


def kpi_value(
    kpi: str,
    period: str,
    value: float | None,
    *,
    dimension: str = "all",
    segment: str = "all",
    status: str | None = None,
    **rest: Any,
) -> dict[str, Any]:
    """One kpi_values row; the unit comes from the catalogue."""
    row = {
        "kpi": kpi,
        "period": period,
        "dimension": dimension,
        "segment": segment,
        "value": value,
        "unit": KPIS[kpi].unit,
        "status": status,
    }
    row.update(rest)
    return row


def write_kpi_store(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    unavailable: dict[str, str] | None = None,
    meta: dict[str, str] | None = None,
    partners: dict[str, str] | None = None,
) -> Path:
    """A store holding `rows` as kpi_values, with kpi_availability when `unavailable` is
    given (KPI id -> missing tables), meta facts and partner names."""
    with Store(path, create=True) as store:
        store.con.execute(KPI_VALUES_DDL)
        placeholders = ", ".join("?" for _ in KPI_VALUE_COLUMNS)
        if rows:
            store.con.executemany(
                f"INSERT INTO kpi_values VALUES ({placeholders})",
                [[row.get(column) for column in KPI_VALUE_COLUMNS] for row in rows],
            )
        if unavailable is not None:
            store.con.execute(KPI_AVAILABILITY_DDL)
            store.con.executemany(
                "INSERT INTO kpi_availability VALUES (?, ?, ?)",
                [[kpi, kpi not in unavailable, unavailable.get(kpi)] for kpi in KPIS],
            )
        if meta:
            store.set_meta(**meta)
        if partners:
            store.con.execute("CREATE TABLE partners (partner_id VARCHAR, name VARCHAR)")
            store.con.executemany("INSERT INTO partners VALUES (?, ?)", list(partners.items()))
    return path
