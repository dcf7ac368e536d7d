"""Every rule of the contract: what a broken one is reported as, and what a kept one stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from caresight.config import Config
from caresight.dataset.load import load_dataset
from caresight.dataset.schema import STORE_TYPES, TABLES
from caresight.errors import Violation
from caresight.store import Store

Tables = dict[str, list[dict[str, Any]]]


def set_cell(table: str, index: int, **changes: Any) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        tables[table][index].update(changes)

    return corrupt


def drop_fx_month(month: str) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        tables["fx_rates"] = [r for r in tables["fx_rates"] if r["month"] != month]

    return corrupt


def drop_column(table: str, column: str) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        for row in tables[table]:
            del row[column]

    return corrupt


def only(tables: Tables, *names: str) -> Tables:
    """The required tables, cut to account A1 and its USD line L1, plus `names`: enough
    for a test about one kind of value, and quicker to load."""
    return {
        "accounts": tables["accounts"][:1],
        "subscription_lines": tables["subscription_lines"][:1],
        **{name: tables[name] for name in names},
    }


TIMESTAMP_RULE = "must be an ISO 8601 timestamp such as 2024-03-01T09:30:00Z"

# (how the base dataset is broken, (table, row, column, value, rule) reported for CSV)
BROKEN_RULES = [
    pytest.param(
        set_cell("accounts", 1, name=""),
        ("accounts", 2, "name", None, "must not be empty"),
        id="required-value-empty",
    ),
    pytest.param(
        set_cell("subscription_lines", 1, start_on="2024-2-01"),
        (
            "subscription_lines",
            2,
            "start_on",
            "2024-2-01",
            "must be a valid date written YYYY-MM-DD",
        ),
        id="date-without-zero-padding",
    ),
    pytest.param(
        set_cell("subscription_lines", 1, start_on="2024-02-30"),
        (
            "subscription_lines",
            2,
            "start_on",
            "2024-02-30",
            "must be a valid date written YYYY-MM-DD",
        ),
        id="date-that-does-not-exist",
    ),
    pytest.param(
        set_cell("tickets", 0, opened_at="2024-03-01"),
        ("tickets", 1, "opened_at", "2024-03-01", TIMESTAMP_RULE),
        id="timestamp-without-time",
    ),
    pytest.param(
        set_cell("tickets", 0, opened_at="01/03/2024 10:00"),
        ("tickets", 1, "opened_at", "01/03/2024 10:00", TIMESTAMP_RULE),
        id="timestamp-not-iso",
    ),
    pytest.param(
        set_cell("subscription_lines", 0, amount="12,50"),
        ("subscription_lines", 1, "amount", "12,50", "must be a number"),
        id="decimal-with-comma",
    ),
    pytest.param(
        set_cell("subscription_lines", 0, billing_period_months="1.5"),
        ("subscription_lines", 1, "billing_period_months", "1.5", "must be a whole number"),
        id="int-with-fraction",
    ),
    pytest.param(
        set_cell("business_reviews", 0, sponsor_attended="yes"),
        (
            "business_reviews",
            1,
            "sponsor_attended",
            "yes",
            "must be true or false (any case), or 1 or 0",
        ),
        id="bool-spelt-yes",
    ),
    pytest.param(
        set_cell("fx_rates", 0, month="2024-13"),
        ("fx_rates", 1, "month", "2024-13", "must be a valid month written YYYY-MM"),
        id="month-thirteen",
    ),
    pytest.param(
        set_cell("accounts", 0, channel="Direct"),
        ("accounts", 1, "channel", "Direct", "must be one of direct, white_label, oem, reseller"),
        id="enumeration-in-wrong-case",
    ),
    pytest.param(
        set_cell("subscription_lines", 0, billing_period_months=2),
        (
            "subscription_lines",
            1,
            "billing_period_months",
            "2",
            "must be one of 1, 3, 6, 12, 24, 36",
        ),
        id="int-outside-choices",
    ),
    pytest.param(
        set_cell("subscription_lines", 0, amount=-1),
        ("subscription_lines", 1, "amount", "-1", "must be between 0 and 1e+12"),
        id="below-minimum",
    ),
    pytest.param(
        set_cell("fx_rates", 2, rate=0),
        ("fx_rates", 3, "rate", "0", "must be greater than 0"),
        id="at-exclusive-minimum",
    ),
    pytest.param(
        set_cell("renewal_forecasts", 0, probability=1.5),
        ("renewal_forecasts", 1, "probability", "1.5", "must be between 0 and 1"),
        id="above-maximum",
    ),
    pytest.param(
        set_cell("subscription_lines", 1, line_id="L1"),
        ("subscription_lines", 2, "line_id", "L1", "line_id must be unique; row 1 has the same"),
        id="duplicate-key",
    ),
    pytest.param(
        set_cell("renewal_forecasts", 0, as_of="2024-02-01"),
        None,
        id="composite-key-alone-is-fine",
    ),
    pytest.param(
        set_cell("subscription_lines", 1, account_id="A9"),
        ("subscription_lines", 2, "account_id", "A9", "must match an account_id in accounts.csv"),
        id="dangling-account-id",
    ),
    pytest.param(
        set_cell("accounts", 1, partner_id="P9"),
        ("accounts", 2, "partner_id", "P9", "must match a partner_id in partners.csv"),
        id="dangling-reference-to-optional-table",
    ),
    pytest.param(
        set_cell("subscription_lines", 1, end_on="2024-01-31"),
        ("subscription_lines", 2, "end_on", "2024-01-31", "end_on must not be before start_on"),
        id="end-before-start",
    ),
    pytest.param(
        set_cell("accounts", 1, partner_id=None),
        ("accounts", 2, "partner_id", None, "partner_id is required unless channel is direct"),
        id="partner-missing-for-reseller",
    ),
    pytest.param(
        set_cell("tickets", 0, resolved_at="2024-03-01T11:00:00+02:00"),
        # 11:00 at +02:00 is 09:00 UTC, an hour before the ticket was opened at 10:00 UTC.
        (
            "tickets",
            1,
            "resolved_at",
            "2024-03-01T11:00:00+02:00",
            "resolved_at must not be before opened_at",
        ),
        id="resolved-before-opened-across-offsets",
    ),
    pytest.param(
        drop_fx_month("2024-04"),
        (
            "subscription_lines",
            2,
            "currency",
            "EUR",
            "fx_rates.csv has no EUR rate for 2024-04, a month this row needs",
        ),
        id="fx-month-missing",
    ),
    pytest.param(
        drop_column("subscription_lines", "product"),
        (
            "subscription_lines",
            None,
            "product",
            None,
            "is a required column and the file does not have it",
        ),
        id="required-column-missing",
    ),
    pytest.param(
        drop_column("subscription_lines", "end_on"),
        None,
        id="optional-column-missing-is-fine",
    ),
]


@pytest.mark.parametrize(("corrupt", "expected"), BROKEN_RULES)
def test_a_broken_rule_is_reported_with_file_row_column_value_and_rule(
    corrupt, expected, base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    corrupt(base_tables)
    folder = write_dataset(base_tables)
    store = tmp_path / "store.duckdb"

    if expected is None:
        load_dataset(store, folder, config)
        return
    error = rejected(store, folder, config)
    table, row, column, value, rule = expected
    assert error.violations == [Violation(table, f"{table}.csv", row, column, value, rule)]
    assert error.suppressed == {}


def test_the_base_dataset_is_valid_and_loads_every_table(
    base_tables, write_dataset, config, tmp_path: Path
) -> None:
    result = load_dataset(tmp_path / "store.duckdb", write_dataset(base_tables), config)
    assert result.rows == {name: len(rows) for name, rows in base_tables.items()}
    assert list(result.rows) == [
        "partners",
        "accounts",
        "subscription_lines",
        "fx_rates",
        "renewals",
        "renewal_forecasts",
        "business_reviews",
        "tickets",
    ]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_a_wrong_enumeration_is_reported_in_parquet_and_jsonl_files(
    fmt: str, base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    base_tables["accounts"][1]["deployment_model"] = "shared"
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables, fmt), config)
    assert error.violations == [
        Violation(
            "accounts",
            f"accounts.{fmt}",
            2,
            "deployment_model",
            "shared",
            "must be one of multi_tenant, dedicated",
        )
    ]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_a_dangling_reference_and_a_missing_column_are_reported_in_parquet_and_jsonl(
    fmt: str, base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    base_tables["subscription_lines"][0]["account_id"] = "nobody"
    for row in base_tables["accounts"]:
        del row["service_tier"]
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables, fmt), config)
    assert error.violations == [
        Violation(
            "accounts",
            f"accounts.{fmt}",
            None,
            "service_tier",
            None,
            "is a required column and the file does not have it",
        ),
        Violation(
            "subscription_lines",
            f"subscription_lines.{fmt}",
            1,
            "account_id",
            "nobody",
            f"must match an account_id in accounts.{fmt}",
        ),
    ]


def test_jsonl_numbers_booleans_and_nulls_are_read_as_values(
    base_tables, write_dataset, config, read_rows, tmp_path: Path
) -> None:
    base_tables["business_reviews"][0]["sponsor_attended"] = True
    base_tables["subscription_lines"][0].update(amount=99.5, billing_period_months=12)
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(base_tables, "jsonl"), config)

    assert read_rows(store, "business_reviews", "sponsor_attended") == [(True,)]
    assert read_rows(store, "subscription_lines", "amount, billing_period_months, end_on")[0] == (
        99.5,
        12,
        None,
    )


def test_a_jsonl_line_that_is_not_an_object_is_reported_on_its_line(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    folder = write_dataset(base_tables, "jsonl")
    path = folder / "accounts.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "[1, 2]", "{broken", lines[1]]) + "\n")

    error = rejected(tmp_path / "s.duckdb", folder, config)
    rule = "must be a JSON object on one line"
    assert error.violations == [
        Violation("accounts", "accounts.jsonl", 2, None, "[1, 2]", rule),
        Violation("accounts", "accounts.jsonl", 3, None, "{broken", rule),
    ]


def test_typed_parquet_columns_are_read_as_their_values(
    base_tables, write_dataset, config, read_rows, tmp_path: Path
) -> None:
    folder = write_dataset(base_tables, "csv")
    plus_two = timezone(timedelta(hours=2))
    pq.write_table(
        pa.table(
            {
                "ticket_id": ["T1", "T2"],
                "account_id": ["A1", "A1"],
                "opened_at": pa.array(
                    [
                        datetime(2024, 3, 1, 12, 0, tzinfo=plus_two),
                        datetime(2024, 3, 2, tzinfo=UTC),
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
                "first_response_at": pa.array([datetime(2024, 3, 1, 10, 30), None]),
                "severity": ["sev1", "sev4"],
                "category": ["outage", "how_to"],
                "cause_owner": ["platform", "customer"],
                "handled_by": ["platform", "P1"],
                "reopened": pa.array([2, None], pa.int32()),
                "handoffs": pa.array([1.0, None]),
            }
        ),
        folder / "tickets.parquet",
    )
    (folder / "tickets.csv").unlink()
    store = tmp_path / "s.duckdb"
    load_dataset(store, folder, config)

    rows = read_rows(
        store, "tickets", "ticket_id, opened_at, first_response_at, reopened, handoffs"
    )
    assert rows == [
        # 12:00 at +02:00 is 10:00 UTC; naive parquet timestamps are UTC already.
        ("T1", datetime(2024, 3, 1, 10, 0), datetime(2024, 3, 1, 10, 30), 2, 1),
        ("T2", datetime(2024, 3, 2, 0, 0), None, None, None),
    ]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2024-03-01T10:00:00", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01 10:00:00", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01T10:00", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01T10:00:00.250Z", datetime(2024, 3, 1, 10, 0, 0, 250_000)),
        ("2024-03-01T12:00:00+02:00", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01T12:00:00+0200", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01T05:30:00-04:30", datetime(2024, 3, 1, 10, 0)),
        # An offset can move the day: 01:00 at +03:00 is 22:00 UTC the evening before.
        ("2024-03-01T01:00:00+03:00", datetime(2024, 2, 29, 22, 0)),
    ],
    ids=[
        "no-offset-is-utc",
        "space-separator",
        "no-seconds",
        "zulu",
        "fraction-of-second",
        "plus-two-hours",
        "offset-without-colon",
        "minus-four-and-a-half",
        "offset-crosses-day",
    ],
)
def test_timestamps_are_stored_as_utc_without_a_zone(
    written: str, stored: datetime, base_tables, write_dataset, config, read_rows, tmp_path
) -> None:
    base_tables["tickets"][0].update(opened_at=written, resolved_at=None)
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(only(base_tables, "tickets")), config)
    assert read_rows(store, "tickets", "opened_at") == [(stored,)]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("0", False),
        ("", None),
    ],
    ids=["true", "True", "TRUE", "1", "false", "False", "FALSE", "0", "empty"],
)
def test_booleans_are_accepted_in_every_documented_spelling(
    written: str, stored: bool | None, base_tables, write_dataset, config, read_rows, tmp_path
) -> None:
    base_tables["business_reviews"][0]["sponsor_attended"] = written
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(only(base_tables, "business_reviews")), config)
    assert read_rows(store, "business_reviews", "sponsor_attended") == [(stored,)]


@pytest.mark.parametrize(
    ("written", "stored"),
    [("12", 12.0), ("+3", 3.0), ("1e3", 1000.0), ("0.25", 0.25), (".5", 0.5), ("7.", 7.0)],
    ids=["whole", "plus-sign", "exponent", "fraction", "no-leading-zero", "trailing-point"],
)
def test_decimals_are_read_in_their_usual_spellings(
    written: str, stored: float, base_tables, write_dataset, config, read_rows, tmp_path
) -> None:
    base_tables["subscription_lines"][0]["amount"] = written
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(only(base_tables)), config)
    assert read_rows(store, "subscription_lines", "amount")[0] == (stored,)


@pytest.mark.parametrize(
    ("written", "stored"),
    [("12", 12), ("12.0", 12), ("+3", 3)],
    ids=["plain", "zero-fraction-as-spreadsheets-write-it", "plus-sign"],
)
def test_whole_numbers_may_carry_a_zero_fraction(
    written: str, stored: int, base_tables, write_dataset, config, read_rows, tmp_path
) -> None:
    base_tables["tickets"][0]["reopened"] = written
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(only(base_tables, "tickets")), config)
    assert read_rows(store, "tickets", "reopened") == [(stored,)]


def test_extra_columns_are_kept_as_text_after_the_contract_columns(
    base_tables, write_dataset, config, read_rows, tmp_path: Path
) -> None:
    for position, row in enumerate(base_tables["accounts"], start=1):
        row.update(crm_id=f"00{position}", note=None if position == 2 else "vip")
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(base_tables), config)

    with_extras = read_rows(store, "accounts", "account_id, crm_id, note")
    # "001" stays text: extra columns are not typed, so leading zeros survive.
    assert with_extras == [("A1", "001", "vip"), ("A2", "002", None)]
    with Store(store, read_only=True) as opened:
        columns = opened.con.execute('DESCRIBE "accounts"').fetchall()
    contract = [(c.name, STORE_TYPES[c.type]) for c in TABLES["accounts"].columns]
    assert [(c[0], c[1]) for c in columns] == [
        *contract,
        ("crm_id", "VARCHAR"),
        ("note", "VARCHAR"),
    ]


def test_a_column_named_in_the_wrong_case_is_not_taken_for_an_extra(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    for row in base_tables["accounts"]:
        row["Region"] = row.pop("region")
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    assert error.violations == [
        Violation(
            "accounts",
            "accounts.csv",
            None,
            "Region",
            None,
            "column names are exact: name it region",
        ),
    ]


def test_rows_in_the_reporting_currency_need_no_rates(
    base_tables, write_dataset, config, tmp_path: Path
) -> None:
    del base_tables["fx_rates"]
    base_tables["subscription_lines"][1]["currency"] = "USD"
    load_dataset(tmp_path / "s.duckdb", write_dataset(base_tables), config)


def test_without_fx_rates_each_foreign_currency_is_reported_once(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    del base_tables["fx_rates"]
    base_tables["subscription_lines"].append(
        {**base_tables["subscription_lines"][1], "line_id": "L3"}
    )
    base_tables["renewals"][0]["currency"] = "GBP"
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    rule = "needs rates to USD, and the dataset has no fx_rates table"
    assert error.violations == [
        Violation("subscription_lines", "subscription_lines.csv", 2, "currency", "EUR", rule),
        Violation("renewals", "renewals.csv", 1, "currency", "GBP", rule),
    ]


@pytest.mark.parametrize(
    ("table", "row", "needed"),
    [
        # A line that ended in 2022-12 is still compared a year on, through 2023-12.
        pytest.param(
            "subscription_lines",
            {"start_on": "2022-11-15", "end_on": "2022-12-31"},
            ["2022-11", "2022-12", "2023-01", "2023-06", "2023-12"],
            id="line-needs-twelve-months-after-its-end",
        ),
        # A renewal due after the as-of day is valued at the as-of month's rate.
        pytest.param("renewals", {"due_on": "2025-03-01"}, ["2024-06"], id="future-renewal"),
        pytest.param(
            "environments",
            {"requested_at": "2024-04-30T23:00:00-02:00", "retired_at": None},
            # 23:00 at -02:00 is 01:00 UTC on 1 May.
            ["2024-05", "2024-06"],
            id="environment-from-request-to-as-of",
        ),
        pytest.param("account_costs", {"month": "2023-07"}, ["2023-07"], id="cost-month"),
    ],
)
def test_fx_coverage_asks_for_each_month_a_row_needs(
    table: str,
    row: dict[str, Any],
    needed: list[str],
    base_tables,
    write_dataset,
    config,
    tmp_path: Path,
    rejected,
) -> None:
    rows = {
        "subscription_lines": {**base_tables["subscription_lines"][1], "line_id": "L9"},
        "renewals": {**base_tables["renewals"][0], "renewal_id": "R9"},
        "environments": {
            "environment_id": "E1",
            "deployment_model": "dedicated",
            "monthly_cost": 10,
            "currency": "GBP",
        },
        "account_costs": {"account_id": "A1", "cost_type": "hosting", "amount": 5},
    }
    base_tables.setdefault(table, []).append({**rows[table], **row, "currency": "GBP"})
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)

    reported = {v.rule.split(" for ")[1].split(",")[0] for v in error.violations}
    assert {v.value for v in error.violations} == {"GBP"}
    assert set(needed) <= reported
    assert len(reported) + sum(error.suppressed.values()) == _month_count(needed[0], needed[-1])


def _month_count(first: str, last: str) -> int:
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, last.split("-")))
    return (y2 - y1) * 12 + (m2 - m1) + 1


def test_a_line_starting_after_the_as_of_day_needs_no_rates(
    base_tables, write_dataset, config, tmp_path: Path
) -> None:
    base_tables["subscription_lines"][1].update(start_on="2024-07-01", end_on=None)
    base_tables["fx_rates"] = base_tables["fx_rates"][:1]
    load_dataset(tmp_path / "s.duckdb", write_dataset(base_tables), config)


def test_violations_of_one_rule_are_capped_with_a_count_of_the_rest(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    base_tables["accounts"] += [
        {**base_tables["accounts"][0], "account_id": f"X{i}", "channel": "web"} for i in range(25)
    ]
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    # 25 broken rows: the first 20 listed (data rows 3..22), the other 5 counted.
    assert [v.row for v in error.violations] == list(range(3, 23))
    assert error.suppressed == {
        "accounts.csv: must be one of direct, white_label, oem, reseller": 5
    }
    assert "... and 5 more" in error.report()


def test_json_values_that_are_objects_are_kept_as_their_json_text(
    base_tables, write_dataset, config, read_rows, tmp_path: Path
) -> None:
    base_tables["accounts"][0]["tags"] = {"vip": True}
    store = tmp_path / "s.duckdb"
    load_dataset(store, write_dataset(base_tables, "jsonl"), config)
    (tags,) = read_rows(store, "accounts", "tags")[0]
    assert json.loads(tags) == {"vip": True}


def test_an_as_of_in_the_config_decides_fx_months(
    base_tables, write_dataset, tmp_path: Path, rejected
) -> None:
    # Measured on 2024-07-15 the EUR line also needs July, which fx_rates lacks.
    error = rejected(
        tmp_path / "s.duckdb", write_dataset(base_tables), Config(as_of=date(2024, 7, 15))
    )
    assert [v.rule for v in error.violations] == [
        "fx_rates.csv has no EUR rate for 2024-07, a month this row needs"
    ]


def test_environment_months_for_fx_are_months_in_the_reporting_time_zone(
    base_tables, write_dataset, tmp_path: Path, rejected
) -> None:
    base_tables["environments"] = [
        {
            "environment_id": "E1",
            "deployment_model": "dedicated",
            # 02:00 UTC on 1 May is still 30 April, 22:00, in New York.
            "requested_at": "2024-05-01T02:00:00Z",
            "monthly_cost": 10,
            "currency": "GBP",
        }
    ]
    new_york = Config(as_of=date(2024, 6, 30), reporting_timezone="America/New_York")
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), new_york)
    assert [v.rule.split(" for ")[1] for v in error.violations] == [
        f"{month}, a month this row needs" for month in ("2024-04", "2024-05", "2024-06")
    ]


@pytest.mark.parametrize(
    ("signed", "problem"),
    [
        (datetime(2020, 1, 1), None),
        (datetime(2020, 1, 1, 10, 0), "2020-01-01 10:00:00"),
    ],
    ids=["midnight-is-the-date", "a-time-of-day-is-not-a-date"],
)
def test_a_parquet_timestamp_at_midnight_is_read_as_a_date(
    signed: datetime,
    problem: str | None,
    base_tables,
    write_dataset,
    config,
    read_rows,
    rejected,
    tmp_path: Path,
) -> None:
    folder = write_dataset(base_tables, "parquet")
    accounts = pq.read_table(folder / "accounts.parquet")
    position = accounts.schema.get_field_index("contract_signed_on")
    accounts = accounts.set_column(
        position, "contract_signed_on", pa.array([signed, signed], pa.timestamp("us"))
    )
    pq.write_table(accounts, folder / "accounts.parquet")
    store = tmp_path / "s.duckdb"

    if problem is None:
        load_dataset(store, folder, config)
        assert read_rows(store, "accounts", "contract_signed_on") == [(date(2020, 1, 1),)] * 2
    else:
        error = rejected(store, folder, config)
        assert {(v.column, v.value) for v in error.violations} == {("contract_signed_on", problem)}


def test_a_column_name_with_stray_spaces_is_not_taken_for_an_extra(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    for row in base_tables["accounts"]:
        row["region "] = row.pop("region")
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    assert [(v.column, v.rule) for v in error.violations] == [
        ("region ", "column names are exact: name it region")
    ]


def test_an_extra_column_with_a_name_the_loader_uses_is_reported(
    base_tables, write_dataset, config, tmp_path: Path, rejected
) -> None:
    base_tables["accounts"][0]["__text__name"] = "clash"
    error = rejected(tmp_path / "s.duckdb", write_dataset(base_tables), config)
    assert [(v.column, v.rule) for v in error.violations] == [
        ("__text__name", "is a column name the loader uses itself; rename the column")
    ]
