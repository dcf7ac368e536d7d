"""Which month the adoption and platform parts report, for stores whose results are young:
never a month before the first result, and the month in progress said as such."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from caresight.config import Config
from caresight.report.data import reported_month
from caresight.report.html import write_report
from report.dom import Node, parse
from report.kpi_store import kpi_value, write_kpi_store


@pytest.mark.parametrize(
    ("measured_on", "periods", "month"),
    [
        # June is in progress and May has results: May, the last full month.
        ("2025-06-15", ["2025-05", "2025-06"], "2025-05"),
        # June is in progress and the results start in June: June, not an empty May.
        ("2025-06-15", ["2025-06"], "2025-06"),
        # May has rows but none with a value (the engine read no usage yet): June.
        ("2025-06-15", [], "2025-06"),
        # June is whole: June, whatever May holds.
        ("2025-06-30", ["2025-05"], "2025-06"),
    ],
    ids=["last-full-month", "only-month-in-progress", "no-value-before", "whole-month"],
)
def test_the_last_full_month_is_reported_only_when_it_has_results(
    measured_on: str, periods: list[str], month: str
) -> None:
    assert reported_month("2025-06", measured_on, pd.Series(periods, dtype=str)) == month


@pytest.fixture(scope="module")
def young_page(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Node:
    """A store whose data starts in May 2025, measured on 16 May 2025: its only month is in
    progress. The dataset has no incidents table."""
    rows = [
        kpi_value("mrr", "2025-05", 50_000.0),
        kpi_value("active_user_rate", "2025-05", 0.4, numerator=8, denominator=20, n=20),
        kpi_value("days_to_first_workflow", "2025-05", 12.0, n=2),
        kpi_value("backup_success_rate", "2025-05", 0.9, numerator=9, denominator=10, n=10),
    ]
    path = tmp_path_factory.mktemp("young")
    store = write_kpi_store(
        path / "young.duckdb", rows,
        unavailable={kpi: "environments, incidents" for kpi in
                     ("uptime", "incident_rate", "incidents_by_cause", "mttr_hours",
                      "isolation_breaches")},
        meta={"kpis_as_of": "2025-05-16"}, project_gates=[],
    )
    return parse(write_report(store, config, path / "r.html").read_text(encoding="utf-8"))


def _title(page: Node, part: str) -> str:
    return page.find("section", id=f"section-{part}").find("h2", cls="part-title").text()


def _caption(page: Node, chart: str) -> str:
    return page.find("div", data_chart=chart).find("p", cls="caption").text()


def test_a_store_whose_only_month_is_in_progress_reports_that_month(young_page: Node) -> None:
    assert _title(young_page, "adoption").startswith(
        "Adoption and onboarding · May 2025 (in progress) · partner charts May 2025"
    )
    assert _title(young_page, "platform") == (
        "Platform · May 2025 (in progress) · trends cover 1 month"
    )
    # 8 of 20 licensed users so far in May, rather than "no data" for an empty April.
    tile = young_page.find("article", cls="tile", data_kpi="active_user_rate")
    assert tile.find("p", cls="tile-value").text() == "40.0%"


def test_no_month_before_the_first_result_is_named(young_page: Node) -> None:
    text = " ".join(node.text() for node in young_page.find_all("section", cls="part"))

    assert "April" not in text
    assert "Apr 2025" not in text
    assert "2024" not in text


def test_captions_over_one_month_say_the_month(young_page: Node) -> None:
    assert "over the" not in _caption(young_page, "time-to-value")
    assert "to the first workflow, for the accounts that reached the step in the month, in " \
        "May 2025:" in _caption(young_page, "time-to-value")
    assert _caption(young_page, "causes-by-model").startswith("The same incidents over May 2025,")


def test_an_empty_chart_caption_counts_nothing(young_page: Node) -> None:
    # No incidents table: no environment's uptime to count below the target.
    assert _caption(young_page, "uptime-environments") == (
        "Every environment's uptime, lowest first, against the target of 99.9%."
    )
    # No go-live in May: the gates caption names the kinds it counts, without numbers.
    assert _caption(young_page, "partner-gates").startswith(
        "Projects (onboarding and expansion) that went live May 2025. By delivery partner:"
    )


def test_no_chart_caption_on_a_sparse_page_counts_nothing(young_page: Node) -> None:
    captions = [node.text() for node in young_page.find_all("p", cls="caption")]

    assert captions
    for caption in captions:
        assert not re.search(r"\b0 (of|months?|go-lives|projects|environments)\b", caption), \
            caption


def test_the_headline_of_a_first_month_compares_with_nothing(young_page: Node) -> None:
    # The results start in May 2025: there is no April to compare with.
    title = " ".join(young_page.find("h2", id="headline-title").text().split())
    assert "changes nothing: this is the first month of results" in title
    assert "April" not in title
