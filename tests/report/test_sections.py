"""The report's adoption and onboarding part and its platform part, read back from the HTML
written for the hand-built results of report.book and report.ops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caresight.config import Config
from caresight.report.data import last_full_month
from caresight.report.html import write_report
from report.book import book_rows
from report.dom import Node, parse
from report.kpi_store import gate_row, kpi_value, write_kpi_store


@pytest.fixture(scope="module")
def page(book_store: Path, config: Config, tmp_path_factory: pytest.TempPathFactory) -> Node:
    out = write_report(book_store, config, tmp_path_factory.mktemp("report") / "report.html")
    return parse(out.read_text(encoding="utf-8"))


def _section(page: Node, part: str) -> Node:
    return page.find("section", id=f"section-{part}")


def _tile(page: Node, kpi: str) -> Node:
    return page.find("article", cls="tile", data_kpi=kpi)


def _figure(page: Node, chart: str) -> dict[str, Any]:
    node = page.find("script", type="application/json", data_figure=f"chart-{chart}")
    return json.loads(node.raw_text())


def _empty_message(page: Node, chart: str) -> str:
    card = page.find("div", data_chart=chart)
    assert card.find_all("div", cls="chart") == [], f"{chart} draws a chart"
    return card.find("p", cls="empty").text()


def _trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(trace for trace in figure["data"] if trace.get("name") == name)


# The month reported -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "measured_on", "month"),
    [
        ("2025-06", "2025-06-15", "2025-05"),
        ("2025-06", "2025-06-30", "2025-06"),
        ("2025-06", None, "2025-06"),
        # February of a leap year ends on the 29th.
        ("2024-02", "2024-02-28", "2024-01"),
        ("2024-02", "2024-02-29", "2024-02"),
        # Measured in a later month than the latest result: the latest month is whole.
        ("2025-06", "2025-07-02", "2025-06"),
    ],
    ids=["mid-month", "last-day", "no-day", "leap-28th", "leap-29th", "later-day"],
)
def test_the_parts_report_the_last_full_month(latest, measured_on, month) -> None:
    assert last_full_month(latest, measured_on) == month


def test_a_month_in_progress_is_left_out_and_the_page_says_so(page: Node) -> None:
    # Measured on 15 June: June's 30 % active users are a few days; May's 150 / 200 show.
    tile = _tile(page, "active_user_rate")
    assert tile.find("p", cls="tile-value").text() == "75.0%"
    # 150 / 200 - 140 / 200 = +5.0 points.
    assert tile.find("p", cls="change").text() == "▲ +5.0 pp"
    assert tile.find("p", cls="basis").text() == "on 200 licensed users"
    title = _section(page, "adoption").find("h2", cls="part-title").text()
    assert title.startswith("Adoption and onboarding · May 2025 (Jun 2025 is in progress)")
    assert "partner charts Jun 2024 to May 2025" in title


# Tiles ----------------------------------------------------------------------------------------


def test_a_duration_tile_shows_its_median_with_the_p90_and_count(page: Node) -> None:
    tile = _tile(page, "days_to_first_workflow")

    assert tile.find("p", cls="tile-value").text() == "30.0 days"
    # 30 - 40 days, good news for a KPI whose direction is down.
    assert tile.find("p", cls="change").text() == "▼ -10.0 days"
    assert "good" in tile.find("p", cls="change").classes
    assert tile.find("p", cls="basis").text() == "p90 60.0 days · 5 accounts"


def test_mttr_tile_shows_the_mean_with_median_and_p90(page: Node) -> None:
    tile = _tile(page, "mttr_hours")

    assert tile.find("p", cls="tile-value").text() == "5.0 hours"
    assert tile.find("p", cls="basis").text() == "p50 3.0 hours · p90 12.0 hours · 5 incidents"


def test_uptime_keeps_two_decimals_so_it_does_not_round_to_a_hundred(page: Node) -> None:
    tile = _tile(page, "uptime")

    assert tile.find("p", cls="tile-value").text() == "99.96%"
    # 0.99962 - 0.9990 = +0.062 points.
    assert tile.find("p", cls="change").text() == "▲ +0.06 pp"
    assert "status-green" in tile.classes


# Adoption and onboarding charts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("chart", "medians", "tails", "book"),
    [
        # Platform team 90 / 95 days on 4 go-lives, Beacon 120 / 150 on 6; all go-lives 100.
        ("onboarding-cycle-days",
         [("Platform team (4)", 90), ("Beacon <Group> (6)", 120)],
         [("Platform team (4)", 95), ("Beacon <Group> (6)", 150)], 100),
        # Beacon goes live 3 days early at the median, 12 late at p90; the platform team 10
        # and 30 days late; all go-lives 4.
        ("go-live-delay-days",
         [("Beacon <Group> (6)", -3), ("Platform team (4)", 10)],
         [("Beacon <Group> (6)", 12), ("Platform team (4)", 30)], 4),
    ],
    ids=["cycle", "delay"],
)
def test_partner_durations_are_the_12_month_median_and_p90_of_the_month(
    page: Node, chart: str, medians: list[tuple[str, float]], tails: list[tuple[str, float]],
    book: float,
) -> None:
    figure = _figure(page, chart)

    # May 2025's 12-month figures, shortest median first; Beacon's April (130), May 2024
    # (500), June in progress (900) and the month's own go-lives (400) do not show.
    p50 = _trace(figure, "p50 (median)")
    assert list(zip(p50["y"], p50["x"], strict=True)) == medians
    p90 = _trace(figure, "p90")
    assert list(zip(p90["y"], p90["x"], strict=True)) == tails
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [book]


def test_partner_durations_no_longer_call_themselves_indicative(page: Node) -> None:
    for chart in ("onboarding-cycle-days", "go-live-delay-days"):
        caption = page.find("div", data_chart=chart).find("p", cls="caption").text()
        assert "indicative" not in caption.lower()
        assert "went live Jun 2024 to May 2025" in caption


def test_gate_failures_are_shares_of_each_partners_go_lives_in_the_window(page: Node) -> None:
    figure = _figure(page, "partner-gates")
    panels = {a["text"]: trace for a, trace in
              zip(figure["layout"]["annotations"], figure["data"], strict=True)}

    # In the window: Beacon 4 go-lives (pj-1 to pj-4, pj-3 an expansion), the platform team
    # 2, 6 in all; pj-0 (May 2024) and pj-7 (June 2025) are outside. Lowest pass rate
    # first, all projects last.
    rows = ["Beacon <Group> (3 onb. + 1 exp.)", "Platform team (2 onb. + 0 exp.)",
            "All projects (5 onb. + 1 exp.)"]
    shares = {title: list(zip(trace["y"], trace["x"], strict=True))
              for title, trace in panels.items()}
    assert shares == {
        # Beacon 2 / 4 passed, the platform team 1 / 2, all 3 / 6.
        "Passed every gate": list(zip(rows, [2 / 4, 1 / 2, 3 / 6], strict=True)),
        # Beacon's pj-2 and pj-3 failed migration: 2 / 4; all 2 / 6.
        "Failed: migration": list(zip(rows, [2 / 4, 0 / 2, 2 / 6], strict=True)),
        # pj-7's integration failure is in June, outside the window.
        "Failed: integrations": list(zip(rows, [0 / 4, 0 / 2, 0 / 6], strict=True)),
        # pj-3 (an expansion project counts too) failed training as well: 1 / 4; all 1 / 6.
        "Failed: training": list(zip(rows, [1 / 4, 0 / 2, 1 / 6], strict=True)),
        # pj-5 failed milestones: 1 / 2; pj-0's failure is in May 2024, outside.
        "Failed: milestones": list(zip(rows, [0 / 4, 1 / 2, 1 / 6], strict=True)),
    }
    # The hover gives the counts: 2 of 4 Beacon go-lives failed migration.
    assert panels["Failed: migration"]["customdata"] == [[2, 4], [0, 2], [2, 6]]


def test_gates_caption_counts_the_go_lives_of_each_kind(page: Node) -> None:
    caption = page.find("div", data_chart="partner-gates").find("p", cls="caption").text()

    # pj-1 to pj-4 and pj-5, pj-6: 6 go-lives, pj-3 the one expansion project.
    assert caption.startswith(
        "6 go-lives Jun 2024 to May 2025: 5 onboarding (onb.) and 1 expansion (exp.) "
        "projects, in brackets for each partner; the onboarding charts above count the "
        "onboarding ones only."
    )


def test_gate_thresholds_come_from_the_configuration(page: Node) -> None:
    caption = page.find("div", data_chart="partner-gates").find("p", cls="caption").text()

    assert "(migration 98.0%, integrations 100.0%, training 80.0%, milestones 80.0%)" in caption


def test_partner_rates_are_rates_of_all_the_windows_units(page: Node) -> None:
    milestones, migration = _figure(page, "partner-quality")["data"]

    # Beacon: (8 + 3) / (10 + 30) = 0.275, not the mean of 0.8 and 0.1. Platform team
    # 18 / 20. The book: (8 + 3 + 18) / (10 + 30 + 20) = 29 / 60.
    assert milestones["y"] == ["Beacon <Group>", "Platform team", "All projects"]
    assert milestones["x"] == pytest.approx([0.275, 0.9, 29 / 60])
    assert milestones["customdata"][0] == [11, 40]
    # Below the 80 % milestone gate in red, above it in green; the book in ink.
    assert milestones["marker"]["color"] == ["#c0504d", "#2e8b57", "#1f2937"]
    # 980 / 1,000 = 98 %, exactly on the 98 % gate, which meets it.
    assert list(zip(migration["y"], migration["x"], strict=True)) == [
        ("Beacon <Group>", 0.98), ("All projects", 0.98),
    ]
    assert migration["marker"]["color"][0] == "#2e8b57"
    titles = [a["text"] for a in _figure(page, "partner-quality")["layout"]["annotations"]]
    assert titles == ["Milestones on time · gate 80.0%", "Migration records accepted · gate 98.0%"]


def test_active_users_by_role_and_by_department(page: Node) -> None:
    figure = _figure(page, "active-users")
    roles, departments = figure["data"]

    # Lowest first: 20 / 40 physicians, 90 / 100 nurses.
    assert list(zip(roles["y"], roles["x"], strict=True)) == [("Physician", 0.5), ("Nurse", 0.9)]
    assert roles["customdata"] == [", 20 of 40 licensed users", ", 90 of 100 licensed users"]
    assert list(zip(departments["y"], departments["x"], strict=True)) == [
        ("Radiology", 0.6), ("Inpatient", 0.8),
    ]
    # Each bar carries its status colour: amber physicians, green nurses.
    assert roles["marker"]["color"] == ["#c98a12", "#2e8b57"]
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert titles == ["By role · all users 75%", "By department · all users 75%"]


def test_workflow_utilisation_by_module(page: Node) -> None:
    bars = _figure(page, "module-use")["data"][0]

    # 1 of 4 accounts paying for billing use it; 4 of 4 for scheduling.
    assert list(zip(bars["y"], bars["x"], strict=True)) == [("Billing", 0.25), ("Scheduling", 1.0)]
    assert bars["customdata"][0] == ", 1 of 4 paying accounts"


def test_time_to_value_starts_with_the_first_month_of_results(page: Node) -> None:
    figure = _figure(page, "time-to-value")

    # The earliest result of the parts is May 2024; nothing is drawn before it.
    p50 = _trace(figure, "p50")
    assert p50["x"][0] == "2024-05"
    assert p50["x"][-1] == "2025-05"
    assert p50["y"][-2:] == [40, 30]
    assert _trace(figure, "p90")["y"][-2:] == [70, 60]


def test_time_to_value_names_the_panels_without_values(page: Node) -> None:
    caption = page.find("div", data_chart="time-to-value").find("p", cls="caption").text()

    # Only first workflows have values (April and May); the other two KPIs' tables are
    # there, but no account reached those steps.
    assert [a["text"] for a in _figure(page, "time-to-value")["layout"]["annotations"]] == [
        "First workflow (from signature)",
    ]
    assert caption == (
        "Days from contract signature to the first workflow, for the accounts that reached "
        "the step in the month, over the 13 months to May 2025: the median (p50) and the "
        "slowest tenth (p90). No stable-usage or first-expansion panels: no account reached "
        "these steps in the months shown."
    )


def test_time_to_value_without_workflow_events_says_which_panels_are_missing(
    tmp_path: Path, config: Config
) -> None:
    rows = [*book_rows(), kpi_value("days_to_first_expansion", "2025-06", 90.0, n=3),
            kpi_value("days_to_first_expansion_p90", "2025-06", 200.0, n=3)]
    store = write_kpi_store(
        tmp_path / "no-events.duckdb", rows,
        unavailable={"days_to_first_workflow": "accounts, workflow_events",
                     "days_to_stable_usage": "workflow_events"},
    )

    page = parse(write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8"))

    figure = _figure(page, "time-to-value")
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "First expansion (from go-live)",
    ]
    caption = page.find("div", data_chart="time-to-value").find("p", cls="caption").text()
    # The caption describes the one panel drawn, then names the two missing and why.
    assert caption == (
        "Days from go-live to the first expansion, for the accounts that reached the step in "
        "the month, in June 2025: the median (p50) and the slowest tenth (p90). No "
        "first-workflow panel: the dataset has no accounts, workflow_events. No stable-usage "
        "panel: the dataset has no workflow_events."
    )


# Platform charts -----------------------------------------------------------------------------


def test_uptime_by_deployment_model_has_a_line_each_and_the_target(page: Node) -> None:
    figure = _figure(page, "uptime-trend")

    assert [t["name"] for t in figure["data"]] == ["Whole platform", "Dedicated", "Multi tenant"]
    assert [t["y"][-1] for t in figure["data"]] == [0.99962, 0.9999, 0.9985]
    # The shipped target of 99.9 %.
    assert [shape["y0"] for shape in figure["layout"]["shapes"]] == [0.999]


def test_uptime_by_environment_lists_the_lowest_first_with_its_model(page: Node) -> None:
    dots = _figure(page, "uptime-environments")["data"][0]

    assert dots["y"] == ["env-a · Dedicated", "env-c · Multi tenant", "env-b · Multi tenant"]
    assert dots["x"] == [0.9975, 0.9985, 1.0]
    assert dots["marker"]["color"] == ["#c0504d", "#c98a12", "#2e8b57"]
    caption = page.find("div", data_chart="uptime-environments").find("p", cls="caption")
    # 0.9975 and 0.9992 are below 0.999.
    assert caption.text() == "Every environment's uptime, lowest first; 2 of 3 below the target " \
        "of 99.9%."


def test_incidents_are_split_by_cause_owner(page: Node) -> None:
    figure = _figure(page, "incidents-by-cause")

    # Platform first, then the others in their fixed order.
    assert [t["name"] for t in figure["data"]] == ["Platform", "Partner", "Customer"]
    assert [t["y"][-2:] for t in figure["data"]] == [[1, 3], [None, 2], [1, None]]


def test_incident_causes_are_summed_per_deployment_model_over_the_window(page: Node) -> None:
    figure = _figure(page, "causes-by-model")

    # Fewest incidents first: multi-tenant 1 + 1 platform and 1 customer = 3; dedicated 4.
    assert {t["name"]: dict(zip(t["y"], t["x"], strict=True)) for t in figure["data"]} == {
        "Platform": {"Multi tenant": 2, "Dedicated": 2},
        "Partner": {"Multi tenant": 0, "Dedicated": 2},
        "Customer": {"Multi tenant": 1, "Dedicated": 0},
    }
    assert figure["data"][0]["y"] == ["Multi tenant", "Dedicated"]


def test_mttr_draws_mean_median_and_p90(page: Node) -> None:
    figure = _figure(page, "mttr")

    assert {t["name"]: t["y"][-1] for t in figure["data"]} == {"Mean": 5, "p50": 3, "p90": 12}


def test_cost_to_serve_is_a_box_of_accounts_per_deployment_model(page: Node) -> None:
    boxes = _figure(page, "cost-to-serve")["data"]

    assert [(b["type"], b["name"], b["y"]) for b in boxes] == [
        ("box", "Dedicated (1)", [2000]),
        ("box", "Multi tenant (2)", [100, 300]),
    ]


# Nothing to draw -----------------------------------------------------------------------------


def test_charts_without_values_say_why_instead_of_drawing_a_frame(page: Node) -> None:
    assert _empty_message(page, "releases") == "No deployment in the months shown."
    assert _empty_message(page, "training-by-role") == "No training assignment made by May 2025."


def test_every_figure_on_the_page_has_something_to_draw(page: Node) -> None:
    figures = page.find_all("script", type="application/json")

    assert len(figures) == 3 + 7 + 6  # revenue; adoption; platform charts with values
    for node in figures:
        data = json.loads(node.raw_text())["data"]
        values = [v for trace in data for v in (trace.get("y") or []) + (trace.get("x") or [])
                  if isinstance(v, int | float)]
        assert values, node.attrs["data-figure"]
        # Every drawn figure has its place on the page.
        assert page.find_all("div", id=node.attrs["data-figure"])


def test_a_chart_whose_tables_are_missing_names_them(tmp_path: Path, config: Config) -> None:
    store = write_kpi_store(
        tmp_path / "no-deployments.duckdb",
        [*book_rows(), kpi_value("uptime", "2025-06", 0.999)],
        unavailable={"release_success_rate": "environments, deployments"},
    )

    page = parse(write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8"))

    assert _empty_message(page, "releases") == (
        "No data: the dataset has no environments, deployments."
    )
    tile = _tile(page, "release_success_rate")
    assert tile.find("p", cls="change").text() == (
        "no data: the dataset has no environments, deployments"
    )


def test_a_part_without_any_value_says_so_once(tmp_path: Path, config: Config) -> None:
    # No adoption table in the dataset; the platform's tables are there but gave nothing.
    missing = {"active_user_rate": "users, workflow_events", "training_completion": "training",
               "onboarding_cycle_days": "implementations"}
    store = write_kpi_store(tmp_path / "revenue-only.duckdb", book_rows(), unavailable=missing)

    page = parse(write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8"))

    adoption = _section(page, "adoption")
    assert [p.text() for p in adoption.find_all("p", cls="empty")] == [
        "No adoption or onboarding figures: the dataset has no users, workflow_events, "
        "training, implementations."
    ]
    assert adoption.find_all("article") == []
    assert adoption.find_all("div", cls="chart") == []
    platform = _section(page, "platform")
    assert [p.text() for p in platform.find_all("p", cls="empty")] == [
        "No platform figures: the dataset gives nothing to measure in the months computed."
    ]
    # This store's month is whole (no measuring day), so the parts report June.
    assert platform.find("h2", cls="part-title").text().startswith("Platform · June 2025 ·")


def test_partner_and_segment_names_from_the_data_are_escaped(
    tmp_path: Path, config: Config
) -> None:
    rows = [*book_rows(),
            kpi_value("onboarding_cycle_days_12m", "2025-06", 10.0,
                      dimension="delivery_partner", segment="d9", n=1),
            kpi_value("onboarding_cycle_days_12m", "2025-06", 10.0, n=1)]
    store = write_kpi_store(tmp_path / "odd.duckdb", rows,
                            partners={"d9": "</script><b>Odd</b>"},
                            project_gates=[gate_row("pj-1", "d9", "2025-06-03")])

    html = write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8")

    assert "</script><b>Odd</b>" not in html
    labels = _trace(_figure(parse(html), "onboarding-cycle-days"), "p50 (median)")["y"]
    assert labels == ["</script><b>Odd</b> (1)"]
    assert _figure(parse(html), "partner-gates")["data"][0]["y"][0] == (
        "</script><b>Odd</b> (1 onb. + 0 exp.)"
    )


def test_a_year_without_go_lives_says_so_for_each_partner_chart(
    tmp_path: Path, config: Config
) -> None:
    # Measured on 15 June 2025: the window is June 2024 to May 2025. The only go-live was in
    # May 2024, so May 2025's 12-month figures are empty and no gate falls in the window.
    rows = [
        *book_rows(),
        kpi_value("active_user_rate", "2025-05", 0.75, numerator=150, denominator=200, n=200),
        kpi_value("onboarding_cycle_days_12m", "2024-05", 100.0, dimension="delivery_partner",
                  segment="d01", n=1),
        kpi_value("onboarding_cycle_days_12m", "2025-05", None, dimension="delivery_partner",
                  segment="d01", n=0),
    ]
    store = write_kpi_store(tmp_path / "quiet.duckdb", rows, unavailable={},
                            meta={"kpis_as_of": "2025-06-15"},
                            project_gates=[gate_row("pj-0", "d01", "2024-05-31")])

    page = parse(write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8"))

    for chart in ("onboarding-cycle-days", "go-live-delay-days"):
        assert _empty_message(page, chart) == (
            "No onboarding project went live Jun 2024 to May 2025."
        )
    assert _empty_message(page, "partner-gates") == "No project went live Jun 2024 to May 2025."


@pytest.mark.parametrize(
    ("unavailable", "message"),
    [
        # The KPIs were computed, but by a version that wrote no project_gates.
        ({}, "No data: the results have no project_gates table; compute the KPIs again."),
        ({"stage_gate_pass_rate": "implementations, milestones"},
         "No data: the dataset has no implementations, milestones."),
    ],
    ids=["table-absent", "dataset-lacks-tables"],
)
def test_gates_chart_without_project_gates_names_what_is_missing(
    tmp_path: Path, config: Config, unavailable: dict[str, str], message: str
) -> None:
    rows = [*book_rows(), kpi_value("active_user_rate", "2025-06", 0.75, n=200)]
    store = write_kpi_store(tmp_path / "no-gates.duckdb", rows, unavailable=unavailable)

    page = parse(write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8"))

    assert _empty_message(page, "partner-gates") == message
