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
from caresight.kpis.implementation import GATES, PROJECT_GATES
from caresight.store import Store

#: project_gates as the engine writes it: each gate's measure and verdict.
_PROJECT_GATES_COLUMNS = {
    "project_id": "VARCHAR",
    "account_id": "VARCHAR",
    "kind": "VARCHAR",
    "delivery_partner": "VARCHAR",
    "go_live_on": "DATE",
    "period": "VARCHAR",
    **{column: kind for gate in GATES
       for column, kind in ((gate, "DOUBLE"), (f"{gate}_met", "BOOLEAN"))},
    "passed_all": "BOOLEAN",
    "failed_gates": "VARCHAR",
}


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


def gate_row(
    project_id: str, delivery_partner: str, go_live_on: str, *failed: str,
    kind: str = "onboarding",
) -> dict[str, Any]:
    """One project_gates row of a project that went live on `go_live_on` and failed the
    gates `failed` (each measured at 0.5, the others at 1.0)."""
    row: dict[str, Any] = {
        "project_id": project_id,
        "account_id": f"acct-{project_id}",
        "kind": kind,
        "delivery_partner": delivery_partner,
        "go_live_on": go_live_on,
        "period": go_live_on[:7],
    }
    for gate in GATES:
        row[gate] = 0.5 if gate in failed else 1.0
        row[f"{gate}_met"] = gate not in failed
    row["passed_all"] = not failed
    row["failed_gates"] = ",".join(gate for gate in GATES if gate in failed)
    return row


def write_kpi_store(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    unavailable: dict[str, str] | None = None,
    meta: dict[str, str] | None = None,
    partners: dict[str, str] | None = None,
    tables: dict[str, list[dict[str, str]]] | None = None,
    project_gates: list[dict[str, Any]] | None = None,
) -> Path:
    """A store holding `rows` as kpi_values, with kpi_availability when `unavailable` is
    given (KPI id -> missing tables), meta facts, partner names, `tables`: dataset
    tables of text columns named by their rows' keys (environments, accounts), and the
    detail table project_gates when `project_gates` is given (rows of gate_row)."""
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
        for name, table_rows in (tables or {}).items():
            columns = list(table_rows[0])
            store.con.execute(
                f"CREATE TABLE {name} ({', '.join(f'{c} VARCHAR' for c in columns)})"
            )
            store.con.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})",
                [[row[c] for c in columns] for row in table_rows],
            )
        if project_gates is not None:
            typed = ", ".join(f"{c} {kind}" for c, kind in _PROJECT_GATES_COLUMNS.items())
            store.con.execute(f"CREATE TABLE {PROJECT_GATES} ({typed})")
            if project_gates:
                store.con.executemany(
                    f"INSERT INTO {PROJECT_GATES} VALUES "
                    f"({', '.join('?' for _ in _PROJECT_GATES_COLUMNS)})",
                    [[row[c] for c in _PROJECT_GATES_COLUMNS] for row in project_gates],
                )
    return path
