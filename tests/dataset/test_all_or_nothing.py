"""A load either lands whole, with exactly the rows given, or changes nothing."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from caresight.config import Config
from caresight.dataset.load import load_dataset
from caresight.errors import DatasetInvalid

Rows = list[dict[str, Any]]
Corruption = Callable[[Rows, Rows, int], bool]

CHANNELS = ("direct", "white_label", "oem", "reseller")
CONFIG = Config(as_of=date(2024, 6, 30))

#: The columns compared between what was written and what the store holds.
ACCOUNT_COLUMNS = "account_id, name, channel, partner_id, deployment_model, contract_signed_on"
LINE_COLUMNS = "line_id, account_id, start_on, end_on, amount, billing_period_months, currency"
LINE_FIELDS = [*LINE_COLUMNS.split(", "), "product", "product_category"]

_EXAMPLE_ACCOUNT = {
    "account_id": "A1",
    "name": "Name",
    "customer_type": "clinic",
    "channel": "direct",
    "deployment_model": "dedicated",
    "service_tier": "standard",
    "contract_signed_on": "2020-01-01",
}

# Names with the characters that make CSV quoting matter.
names = st.text(alphabet="abc XYZ,\"'é\n", max_size=8).map(lambda s: "Name " + s)
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2024, 6, 30))


@st.composite
def accounts(draw: st.DrawFn) -> Rows:
    numbers = draw(st.lists(st.integers(1, 99), min_size=1, max_size=6, unique=True))
    rows = []
    for number in numbers:
        channel = draw(st.sampled_from(CHANNELS))
        rows.append(
            {
                "account_id": f"A{number}",
                "name": draw(names),
                "customer_type": "clinic",
                "channel": channel,
                "partner_id": None if channel == "direct" else "P1",
                "deployment_model": draw(st.sampled_from(("multi_tenant", "dedicated"))),
                "service_tier": "standard",
                "contract_signed_on": draw(days).isoformat(),
            }
        )
    return rows


@st.composite
def lines(draw: st.DrawFn, account_ids: list[str]) -> Rows:
    rows = []
    for number in range(draw(st.integers(0, 8))):
        start = draw(days)
        length = draw(st.none() | st.integers(0, 900))
        rows.append(
            {
                "line_id": f"L{number}",
                "account_id": draw(st.sampled_from(account_ids)),
                "product": "scheduling",
                "product_category": "module",
                "start_on": start.isoformat(),
                "end_on": None if length is None else (start + timedelta(days=length)).isoformat(),
                "amount": f"{draw(st.integers(0, 100_000)) / 100:.2f}",
                "billing_period_months": str(draw(st.sampled_from((1, 3, 6, 12, 24, 36)))),
                "currency": "USD",
            }
        )
    return rows


def _account_cell(column: str, value: Callable[[dict[str, Any], Rows], Any]) -> Corruption:
    def corrupt(account_rows: Rows, line_rows: Rows, index: int) -> bool:
        row = account_rows[index % len(account_rows)]
        row[column] = value(row, account_rows)
        return True

    return corrupt


def _line_cell(column: str, value: Callable[[dict[str, Any], Rows], Any]) -> Corruption:
    def corrupt(account_rows: Rows, line_rows: Rows, index: int) -> bool:
        if not line_rows:
            return False
        row = line_rows[index % len(line_rows)]
        row[column] = value(row, line_rows)
        return True

    return corrupt


def _duplicate(table: str, key: str) -> Corruption:
    def corrupt(account_rows: Rows, line_rows: Rows, index: int) -> bool:
        rows = account_rows if table == "accounts" else line_rows
        if len(rows) < 2:
            return False
        rows[1 + index % (len(rows) - 1)][key] = rows[0][key]
        return True

    return corrupt


def _day_before(row: dict[str, Any], rows: Rows) -> str:
    return (date.fromisoformat(row["start_on"]) - timedelta(days=1)).isoformat()


#: Each breaks a rule whenever it applies, so a corrupted dataset must be rejected.
CORRUPTIONS: dict[str, Corruption] = {
    "enumeration-capitalised": _account_cell("channel", lambda row, _: row["channel"].title()),
    "impossible-date": _account_cell("contract_signed_on", lambda *_: "2024-02-30"),
    "empty-name": _account_cell("name", lambda *_: ""),
    "duplicate-account": _duplicate("accounts", "account_id"),
    "negative-amount": _line_cell("amount", lambda *_: "-1.50"),
    "unknown-account": _line_cell("account_id", lambda *_: "A1000"),
    "period-not-a-choice": _line_cell("billing_period_months", lambda *_: "5"),
    "end-before-start": _line_cell("end_on", _day_before),
    "duplicate-line": _duplicate("subscription_lines", "line_id"),
}


@st.composite
def datasets(draw: st.DrawFn) -> tuple[Rows, Rows, list[str], str]:
    account_rows = draw(accounts())
    line_rows = draw(lines([row["account_id"] for row in account_rows]))
    applied = []
    for name in draw(st.lists(st.sampled_from(sorted(CORRUPTIONS)), max_size=2)):
        if CORRUPTIONS[name](account_rows, line_rows, draw(st.integers(0, 10))):
            applied.append(name)
    fmt = draw(st.sampled_from(("csv", "parquet", "jsonl")))
    return account_rows, line_rows, applied, fmt


@pytest.fixture(scope="module")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding an earlier dataset, copied fresh for each example."""
    folder = tmp_path_factory.mktemp("earlier")
    (folder / "accounts.csv").write_text(
        "account_id,name,customer_type,channel,deployment_model,service_tier,"
        "contract_signed_on\nOLD,Old,clinic,direct,dedicated,standard,2018-01-01\n"
    )
    (folder / "subscription_lines.csv").write_text(
        "line_id,account_id,product,product_category,start_on,amount,"
        "billing_period_months,currency\nOL,OLD,billing,module,2018-01-01,10,1,USD\n"
    )
    store = tmp_path_factory.mktemp("template") / "store.duckdb"
    load_dataset(store, folder, CONFIG)
    return store


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dataset=datasets())
@example(dataset=([_EXAMPLE_ACCOUNT], [], [], "jsonl")).via("a required table empty in JSONL")
def test_a_load_lands_whole_or_changes_nothing(
    dataset: tuple[Rows, Rows, list[str], str],
    template_store: Path,
    write_file,
    read_store,
    read_rows,
) -> None:
    account_rows, line_rows, corrupted, fmt = dataset
    # subscription_lines is required and must have rows: without any, the dataset is bad.
    corrupted = corrupted if line_rows else [*corrupted, "no subscription lines"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "dataset"
        folder.mkdir()
        write_file(folder / f"accounts.{fmt}", account_rows)
        # With no lines the file still names its columns (a JSONL file cannot).
        write_file(folder / f"subscription_lines.{fmt}", line_rows, LINE_FIELDS)
        store = Path(scratch) / "store.duckdb"
        shutil.copy(template_store, store)
        before = read_store(store)

        try:
            result = load_dataset(store, folder, CONFIG)
        except DatasetInvalid:
            event("rejected")
            assert corrupted, "a dataset without corruption was rejected"
            assert read_store(store) == before
            return

        event("loaded")
        assert not corrupted, f"a dataset corrupted by {corrupted} was loaded"
        assert result.rows == {"accounts": len(account_rows), "subscription_lines": len(line_rows)}
        assert read_rows(store, "accounts", ACCOUNT_COLUMNS) == [
            _typed(row, ACCOUNT_COLUMNS) for row in account_rows
        ]
        assert read_rows(store, "subscription_lines", LINE_COLUMNS) == [
            _typed(row, LINE_COLUMNS) for row in line_rows
        ]


def _typed(row: dict[str, Any], columns: str) -> tuple[Any, ...]:
    """The row as the store should hold it: dates as dates, numbers as numbers."""
    values = []
    for column in columns.split(", "):
        value = row.get(column)
        if value is not None and column.endswith("_on"):
            value = date.fromisoformat(value)
        elif value is not None and column == "amount":
            value = float(value)
        elif value is not None and column == "billing_period_months":
            value = int(value)
        values.append(value)
    return tuple(values)
