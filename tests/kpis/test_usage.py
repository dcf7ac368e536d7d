"""The usage rollups: kept between computations, rebuilt for another zone or cut day,
dropped by a load."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from caresight.dataset.load import load_dataset
from caresight.errors import DatasetInvalid
from caresight.kpis.engine import compute_kpis
from caresight.kpis.usage import ROLLUP_TABLES
from caresight.store import Store
from conftest import write_tables
from factories import account, line
from kpis.computing import Computed, config, read_results

# One user licensed from January. Their events: 02-29 at 23:30 UTC, 03-01 at 03:00 UTC
# (both February in New York, UTC-5), and 03-20. Measured on 2024-03-31.
TABLES: dict[str, list[dict[str, Any]]] = {
    "accounts": [account("A")],
    "subscription_lines": [line("a1", "A", "2024-01-01", 100)],
    "users": [{"account_id": "A", "user_id": "u1", "role": "nurse", "department": "ward",
               "licensed_from": "2024-01-01"}],
    "workflow_events": [
        {"occurred_at": at, "account_id": "A", "user_id": "u1", "module": "scheduling",
         "workflow": "book_appointment", "count": 30}
        for at in ("2024-02-29T23:30:00", "2024-03-01T03:00:00", "2024-03-20T10:00:00")
    ],
}
NEW_YORK = {"reporting_timezone": "America/New_York"}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "usage.duckdb"
    with Store(path, create=True) as opened:
        write_tables(opened, TABLES)
    return path


def compute(path: Path, as_of: str = "2024-03-31", **settings: Any) -> Computed:
    return read_results(path, compute_kpis(path, config(as_of, **settings)))


def forget_events(path: Path) -> None:
    with Store(path) as opened:
        opened.con.execute("DELETE FROM workflow_events")


def meta(path: Path, key: str) -> str | None:
    with Store(path, read_only=True) as opened:
        return opened.meta(key)


def active(computed: Computed, period: str) -> float:
    return float(computed.row("active_user_rate", period)["numerator"])


def tables_in(path: Path) -> set[str]:
    with Store(path, read_only=True) as opened:
        return {name for name in ROLLUP_TABLES if opened.has_table(name)}


def test_a_recomputation_reads_the_rollups_not_the_events(store: Path) -> None:
    first = compute(store)
    assert tables_in(store) == set(ROLLUP_TABLES)

    # With the raw events gone, only the kept rollups can give the same figures.
    forget_events(store)
    again = compute(store)
    adoption = ["active_user_rate", "workflow_utilization", "days_to_first_workflow"]
    before = first.values[first.values.kpi.isin(adoption)].sort_values(
        ["kpi", "period", "dimension", "segment"]).reset_index(drop=True)
    after = again.values[again.values.kpi.isin(adoption)].sort_values(
        ["kpi", "period", "dimension", "segment"]).reset_index(drop=True)
    assert (active(first, "2024-02"), active(first, "2024-03")) == (1, 1)
    assert before.equals(after)


def test_a_later_as_of_with_no_newer_events_keeps_the_rollups(store: Path) -> None:
    compute(store)
    forget_events(store)
    # The last event is on 03-20, so measured on 04-30 the rollups cover the same events.
    later = compute(store, as_of="2024-04-30")
    assert active(later, "2024-03") == 1


def test_another_time_zone_rebuilds_the_rollups(store: Path) -> None:
    assert active(compute(store), "2024-03") == 1
    forget_events(store)
    # Built for UTC, the rollups cannot serve New York: rebuilt from the (now empty)
    # events, nobody is active any more.
    new_york = compute(store, **NEW_YORK)
    assert (active(new_york, "2024-02"), active(new_york, "2024-03")) == (0, 0)
    assert meta(store, "usage_rollup_zone") == "America/New_York"


def test_the_rebuilt_rollups_follow_the_new_zone(store: Path) -> None:
    with Store(store) as opened:
        opened.con.execute(
            "DELETE FROM workflow_events WHERE occurred_at <> TIMESTAMP '2024-03-01 03:00:00'"
        )
    # 03:00 UTC on 03-01 is March in UTC and 22:00 on 02-29 in New York.
    utc = compute(store)
    new_york = compute(store, **NEW_YORK)
    assert (active(utc, "2024-02"), active(utc, "2024-03")) == (0, 1)
    assert (active(new_york, "2024-02"), active(new_york, "2024-03")) == (1, 0)


def test_an_earlier_as_of_rebuilds_the_rollups_without_later_events(store: Path) -> None:
    assert active(compute(store), "2024-03") == 1
    # Measured on 03-10 in New York the 03-20 event has not happened, and the 03-01
    # 03:00 UTC event is February's: nobody has worked in March yet.
    assert active(compute(store, as_of="2024-03-10", **NEW_YORK), "2024-03") == 0
    assert meta(store, "usage_rollup_through") == "2024-03-10"


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def _dataset(folder: Path, amount: float, usage: bool = False) -> Path:
    folder.mkdir()
    _write_csv(folder / "accounts.csv", [account("A")])
    _write_csv(folder / "subscription_lines.csv", [line("a1", "A", "2024-01-01", amount)])
    if usage:
        _write_csv(folder / "users.csv", TABLES["users"])
        _write_csv(folder / "workflow_events.csv", TABLES["workflow_events"])
    return folder


def test_a_load_builds_the_rollups_the_first_computation_reads(tmp_path: Path) -> None:
    path = tmp_path / "loaded.duckdb"
    load_dataset(path, _dataset(tmp_path / "usage", 100, usage=True),
                 config("2024-03-31", **NEW_YORK))
    assert tables_in(path) == set(ROLLUP_TABLES)
    assert meta(path, "usage_rollup_zone") == "America/New_York"

    # Without the events, only the rollups the load built can say who worked when: in
    # New York the 03-01 03:00 UTC event is February's, the 03-20 one March's.
    forget_events(path)
    computed = compute(path, **NEW_YORK)
    assert (active(computed, "2024-02"), active(computed, "2024-03")) == (1, 1)


def test_loading_a_dataset_drops_the_rollups(store: Path, tmp_path: Path) -> None:
    compute(store)
    load_dataset(store, _dataset(tmp_path / "next", 100), config("2024-03-31"))
    assert tables_in(store) == set()
    assert meta(store, "usage_rollup_zone") is None


def test_a_rejected_load_keeps_the_rollups(store: Path, tmp_path: Path) -> None:
    compute(store)
    with pytest.raises(DatasetInvalid):
        load_dataset(store, _dataset(tmp_path / "bad", -1), config("2024-03-31"))
    assert tables_in(store) == set(ROLLUP_TABLES)
    assert meta(store, "usage_rollup_zone") == "UTC"
