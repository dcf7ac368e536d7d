"""How the report writes amounts, months and segment names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caresight.report.labels import (
    compact_money,
    counted,
    month_label,
    percent_text,
    segment_label,
    table_list,
)


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (None, False, "—"),
        (float("nan"), False, "—"),
        (0.0, True, "0"),
        (-0.2, True, "0"),
        (950.4, False, "950"),
        (9_999.4, False, "9,999"),
        (10_000.0, False, "10.0K"),
        (48_260.0, True, "+48.3K"),
        (-35_000.0, True, "-35.0K"),
        (125_000.0, False, "125K"),
        (999_960.0, False, "1.00M"),
        (1_234_567.0, False, "1.23M"),
        (2.5e9, False, "2.50B"),
    ],
    ids=["none", "nan", "zero", "tiny-negative", "hundreds", "below-ten-thousand",
         "ten-thousand", "signed-thousands", "negative", "hundreds-of-thousands",
         "rounds-up-a-scale", "millions", "billions"],
)
def test_compact_money_keeps_about_three_figures(value, signed, text) -> None:
    assert compact_money(value, signed=signed) == text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_compact_money_never_writes_a_thousand_of_a_scale(value: float) -> None:
    text = compact_money(value).lstrip("-")
    if text[-1] in "KM":
        assert float(text[:-1]) < 1000


@pytest.mark.parametrize(
    ("dimension", "segment", "label"),
    [
        ("channel", "white_label", "White label"),
        ("channel", "oem", "OEM"),
        ("customer_type", "specialty_clinic", "Specialty clinic"),
        ("partner", "direct", "Direct (no partner)"),
        ("partner", "p01", "MedLink"),
        ("partner", "p02", "p02"),
        ("account", "acc_01", "acc_01"),
        ("delivery_partner", "platform", "Platform team"),
        ("delivery_partner", "p01", "MedLink"),
        ("cause_owner", "third_party", "Third party"),
        ("module", "patient_administration", "Patient administration"),
        ("role", "lab_technician", "Lab technician"),
        ("environment", "mt-emea-01", "mt-emea-01"),
    ],
    ids=["words", "acronym", "customer-type", "no-partner", "partner-name",
         "partner-without-name", "account-ids-untouched", "platform-team", "delivery-partner",
         "cause-owner", "module", "role", "environment-ids-untouched"],
)
def test_segments_read_as_people_name_them(dimension, segment, label) -> None:
    assert segment_label(dimension, segment, {"p01": "MedLink"}) == label


def test_months_read_in_words() -> None:
    assert month_label("2025-06") == "June 2025"
    assert month_label("2025-06", short=True) == "Jun 2025"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.9, "90.0%"), (0.999, "99.9%"), (0.9995, "99.95%"), (1.0, "100.0%"), (0.985, "98.5%")],
    ids=["whole", "one-decimal", "two-decimals", "hundred", "half"],
)
def test_targets_keep_the_decimals_they_were_given(value: float, text: str) -> None:
    # An uptime target of 99.95 % must not read as 100.0 %.
    assert percent_text(value) == text


def test_counts_name_their_unit_in_the_singular_for_one() -> None:
    assert counted("renewal_rate", 1) == "1 renewal"
    assert counted("onboarding_cycle_days", 1_200) == "1,200 go-lives"
    assert counted("mrr", 3) == "3 accounts"


def test_missing_tables_are_listed_once_each() -> None:
    assert table_list("users, workflow_events,users, ") == "users, workflow_events"
