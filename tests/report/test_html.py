"""The executive report, read back from the HTML it writes for a hand-built book."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from caresight.config import Config
from caresight.errors import StoreError
from caresight.report.html import write_report
from report.book import book_rows
from report.dom import Node, parse
from report.kpi_store import kpi_value, write_kpi_store


@pytest.fixture(scope="module")
def page(book_store: Path, config: Config, tmp_path_factory: pytest.TempPathFactory) -> Node:
    out = write_report(book_store, config, tmp_path_factory.mktemp("report") / "report.html")
    return parse(out.read_text(encoding="utf-8"))


def _tile(page: Node, kpi: str) -> Node:
    return page.find("article", cls="tile", data_kpi=kpi)


@pytest.mark.parametrize(
    ("kpi", "value", "change", "tone", "status"),
    [
        # 112,000 and +12,000 on May's 100,000, that is +12.0%.
        ("mrr", "112K USD", "▲ +12.0K (+12.0%)", "good", "none"),
        # 12 x 112,000 = 1,344,000; +144,000 on 1,200,000.
        ("arr", "1.34M USD", "▲ +144K (+12.0%)", "good", "none"),
        # 92.34% against 91.00%: +1.34 points.
        ("grr_12m", "92.3%", "▲ +1.3 pp", "good", "green"),
        # 104.12% against 105.00%: -0.88 points, bad for an up KPI.
        ("nrr_12m", "104.1%", "▼ -0.9 pp", "bad", "amber"),
        # Churn rising from 1.0% to 1.5% is bad news: its direction is down.
        ("logo_churn_rate", "1.5%", "▲ +0.5 pp", "bad", "amber"),
    ],
    ids=["mrr", "arr", "grr-12m", "nrr-12m", "logo-churn"],
)
def test_tiles_show_the_latest_value_its_change_and_status(
    page: Node, kpi: str, value: str, change: str, tone: str, status: str
) -> None:
    tile = _tile(page, kpi)
    assert tile.find("p", cls="tile-value").text() == value
    assert tile.find("p", cls="change").text() == change
    assert tone in tile.find("p", cls="change").classes
    assert f"status-{status}" in tile.classes


def test_a_tile_with_thresholds_names_its_target(page: Node) -> None:
    # The shipped defaults: grr_12m green from 0.90, logo churn green up to 0.01.
    assert _tile(page, "grr_12m").find("span", cls="target").text() == "Target ≥ 90.0%"
    assert _tile(page, "logo_churn_rate").find("span", cls="target").text() == "Target ≤ 1.0%"
    assert _tile(page, "nrr_12m").find("span", cls="pill").text() == "Watch"


def test_an_empty_value_shows_a_dash_and_no_data_never_zero(page: Node) -> None:
    tile = _tile(page, "renewal_rate")

    assert tile.find("p", cls="tile-value").text() == "—"
    assert tile.find("p", cls="change").text() == "none to measure this month"
    assert "0" not in tile.find("p", cls="tile-value").text()
    assert "status-none" in tile.classes


def test_the_sparkline_leaves_a_gap_for_months_without_a_value(page: Node) -> None:
    # Renewal rate: only May has a value, a single point cannot make a line.
    assert _tile(page, "renewal_rate").find_all("svg") == []
    # MRR has April to June: one line of three points, ending in a dot.
    line = _tile(page, "mrr").find("polyline")
    assert len(line.attrs["points"].split()) == 3
    assert len(_tile(page, "mrr").find_all("circle")) == 1


def _figure(page: Node, chart: str) -> dict:
    node = page.find("script", type="application/json", data_figure=f"chart-{chart}")
    return json.loads(node.raw_text())


def test_the_waterfall_holds_the_bridge_of_the_latest_month(page: Node) -> None:
    trace = _figure(page, "bridge")["data"][0]

    assert trace["type"] == "waterfall"
    # Opening (May), new, reactivation, expansion, -contraction, -churned, fx, closing.
    assert trace["y"] == [100_000, 8_000, 1_000, 6_000, -1_500, -2_000, 500, 112_000]
    assert trace["measure"] == ["absolute", *["relative"] * 6, "absolute"]
    assert trace["x"][0] == "Opening<br>May 2025"
    assert trace["x"][-1] == "Closing<br>Jun 2025"


def test_the_bridge_table_beside_the_chart_gives_whole_amounts(page: Node) -> None:
    table = page.find("table", cls="bridge-table")
    rows = [(row.find("th").text(), row.find("td").text()) for row in table.find_all("tr")]

    assert rows == [
        ("Opening MRR (May 2025)", "100,000"),
        ("New MRR", "+8,000"),
        ("Reactivation MRR", "+1,000"),
        ("Expansion MRR", "+6,000"),
        ("Contraction MRR", "−1,500"),
        ("Churned MRR", "−2,000"),
        ("FX effect on MRR", "+500"),
        ("Closing MRR (Jun 2025)", "112,000"),
    ]
    assert page.find_all("p", cls="warning") == []


def test_a_bridge_that_does_not_close_says_by_how_much(
    tmp_path: Path, config: Config
) -> None:
    rows = [r for r in book_rows() if r["kpi"] != "fx_mrr"]
    rows.append(kpi_value("fx_mrr", "2025-06", 490.0))
    store = write_kpi_store(tmp_path / "off.duckdb", rows)

    html = write_report(store, config, tmp_path / "report.html").read_text()

    # 112,000 - (100,000 + 8,000 + 1,000 + 6,000 - 1,500 - 2,000 + 490) = 10.
    assert "The movements leave 10.00 USD unexplained." in html


def test_retention_and_channel_charts_draw_every_series(page: Node) -> None:
    retention = _figure(page, "retention")["data"]
    assert [t["name"] for t in retention] == ["GRR (12 months)", "NRR (12 months)"]
    assert retention[0]["x"] == ["2025-04", "2025-05", "2025-06"]
    assert retention[0]["y"] == [None, 0.91, 0.9234]

    channels = _figure(page, "mrr-by-channel")["data"]
    # Largest channel in June first, so it stacks at the bottom.
    assert [(t["name"], t["y"]) for t in channels] == [
        ("Direct", [70_000, 80_000]),
        ("Reseller", [30_000, 32_000]),
    ]


def _segment_rows(page: Node, dimension: str) -> list[list[str]]:
    body = page.find("tbody", data_dimension=dimension)
    return [
        [cell.text() for cell in row.children if isinstance(cell, Node)]
        for row in body.find_all("tr")
        if "group" not in row.classes
    ]


def test_the_segment_table_lists_each_segment_largest_first(page: Node) -> None:
    # Columns: MRR, paying accounts, ARPA, GRR 12m, NRR 12m, logo churn, renewal rate.
    assert _segment_rows(page, "Whole book") == [
        ["All accounts", "112,000", "40", "2,800", "92.3%", "104.1%", "1.5%", "—"],
    ]
    assert _segment_rows(page, "Channel") == [
        ["Direct", "80,000", "25", "3,200", "95.0%", "—", "0.0%", "—"],
        # ARPA 32,000 / 15 = 2,133.33, shown whole.
        ["Reseller", "32,000", "15", "2,133", "84.0%", "—", "4.0%", "—"],
    ]
    assert _segment_rows(page, "Commercial partner") == [
        ["Direct (no partner)", "80,000", "—", "—", "—", "—", "—", "—"],
        ["MedLink <Partners>", "32,000", "—", "—", "—", "—", "—", "—"],
    ]


def test_segment_cells_carry_their_status_colour(page: Node) -> None:
    body = page.find("tbody", data_dimension="Channel")
    reseller = next(row for row in body.find_all("tr") if "Reseller" in row.text())
    cells = reseller.find_all("td")

    assert [c.attrs["class"] for c in cells] == [
        "st-none", "st-none", "st-none", "st-red", "st-none", "st-red", "st-none",
    ]


def test_the_header_names_the_period_currency_and_measuring_day(page: Node) -> None:
    assert page.find("h1").text() == "caresight executive report"
    meta = page.find("p", cls="meta").text()
    assert "As of June 2025, measured on 15 June 2025 (month in progress)" in meta
    assert "Reporting currency USD" in meta


def test_a_store_computed_in_another_currency_says_so(tmp_path: Path, config: Config) -> None:
    store = write_kpi_store(tmp_path / "eur.duckdb", book_rows(), meta={"kpis_currency": "EUR"})

    page = parse(write_report(store, config, tmp_path / "report.html").read_text())

    assert "Reporting currency EUR" in page.find("p", cls="meta").text()
    assert "the configuration now says USD" in page.find("p", cls="warning").text()
    assert _tile(page, "mrr").find("p", cls="tile-value").text() == "112K EUR"


def test_the_notes_define_each_kpi_shown_and_list_kpis_without_data(page: Node) -> None:
    notes = page.find("section", cls="notes")
    terms = [dt.text() for dt in notes.find_all("dt")]
    assert {"MRR", "GRR (12 months)", "Renewal rate", "Churned MRR", "ARPA"} <= set(terms)
    assert "Renewals due this month and decided: renewed / decided." in notes.text()

    missing = [li.text() for li in notes.find("ul", cls="unavailable").find_all("li")]
    assert missing == [
        "Renewal forecast accuracy: the dataset has no renewals, renewal_forecasts."
    ]


def test_the_page_loads_nothing_from_elsewhere(book_store: Path, config: Config,
                                               tmp_path: Path) -> None:
    # The folder of the report is made on the way.
    html = write_report(book_store, config, tmp_path / "out" / "report.html").read_text()
    page = parse(html)

    assert [s.attrs for s in page.find_all("script") if "src" in s.attrs] == []
    assert page.find_all("link") == []
    assert re.search(r"@import|url\(\s*['\"]?https?:", html) is None
    # plotly.js itself is inlined.
    assert any("Plotly" in s.raw_text() and len(s.raw_text()) > 1_000_000
               for s in page.find_all("script"))


def test_names_from_the_data_are_escaped(tmp_path: Path, config: Config) -> None:
    rows = [*book_rows(), kpi_value("mrr", "2025-06", 1.0, dimension="channel",
                                    segment="</script><script>alert(1)")]
    store = write_kpi_store(tmp_path / "odd.duckdb", rows, partners={"p01": "<b>MedLink</b>"})

    html = write_report(store, config, tmp_path / "report.html").read_text()

    assert "<b>MedLink</b>" not in html
    assert "&lt;b&gt;MedLink&lt;/b&gt;" in html
    assert "</script><script>alert(1)" not in html
    names = [t["name"] for t in _figure(parse(html), "mrr-by-channel")["data"]]
    assert "</script><script>alert(1)" in names


def test_a_single_month_says_the_bridge_needs_two(tmp_path: Path, config: Config) -> None:
    store = write_kpi_store(tmp_path / "one.duckdb", [kpi_value("mrr", "2025-06", 5.0)])

    page = parse(write_report(store, config, tmp_path / "report.html").read_text())

    assert page.find_all("div", id="chart-bridge") == []
    assert "The bridge needs MRR for this month and the month before." in page.text()
    assert _tile(page, "mrr").find("p", cls="change").text() == "no value last month"


def test_a_store_without_results_asks_for_compute(tmp_path: Path, config: Config) -> None:
    store = write_kpi_store(tmp_path / "empty.duckdb", [])

    with pytest.raises(StoreError, match="run `caresight compute"):
        write_report(store, config, tmp_path / "report.html")


def test_a_tile_says_which_table_the_dataset_lacks(tmp_path: Path, config: Config) -> None:
    rows = [r for r in book_rows() if r["kpi"] != "renewal_rate"]
    store = write_kpi_store(tmp_path / "no-renewals.duckdb", rows,
                            unavailable={"renewal_rate": "renewals"})

    page = parse(write_report(store, config, tmp_path / "report.html").read_text())

    tile = _tile(page, "renewal_rate")
    assert tile.find("p", cls="tile-value").text() == "—"
    assert tile.find("p", cls="change").text() == "no data: the dataset has no renewals"


def test_a_movement_that_rounds_to_nothing_has_no_sign(tmp_path: Path, config: Config) -> None:
    rows = [r for r in book_rows() if r["kpi"] not in ("new_mrr", "reactivation_mrr")]
    # The engine may write a negative zero; new MRR takes up the 1,000 so the bridge closes:
    # 100,000 + 9,000 + 0 + 6,000 - 1,500 - 2,000 + 500 = 112,000.
    rows += [kpi_value("new_mrr", "2025-06", 9_000.0),
             kpi_value("reactivation_mrr", "2025-06", -0.0)]
    store = write_kpi_store(tmp_path / "zero.duckdb", rows)

    page = parse(write_report(store, config, tmp_path / "report.html").read_text())

    table = page.find("table", cls="bridge-table")
    amounts = {row.find("th").text(): row.find("td").text() for row in table.find_all("tr")}
    assert amounts["Reactivation MRR"] == "0"
    assert amounts["New MRR"] == "+9,000"
    assert page.find_all("p", cls="warning") == []


def test_a_rate_says_what_it_rests_on_and_marks_a_thin_sample(
    tmp_path: Path, config: Config
) -> None:
    rows = [
        kpi_value("mrr", "2026-05", 1000.0, n=9),
        kpi_value("mrr", "2026-06", 1000.0, n=9),
        # The book: 3 of 4 renewals renewed. Direct: the one renewal due churned.
        kpi_value("renewal_rate", "2026-06", 0.75, n=4, status="red"),
        kpi_value("mrr", "2026-06", 600.0, dimension="channel", segment="direct", n=5),
        kpi_value("renewal_rate", "2026-06", 0.0, dimension="channel", segment="direct",
                  n=1, status="red"),
        kpi_value("mrr", "2026-06", 400.0, dimension="channel", segment="oem", n=4),
        kpi_value("renewal_rate", "2026-06", 1.0, dimension="channel", segment="oem",
                  n=12, status="green"),
    ]
    store = write_kpi_store(tmp_path / "thin.duckdb", rows)
    page = parse(write_report(store, config, tmp_path / "r.html").read_text(encoding="utf-8"))

    assert _tile(page, "renewal_rate").find("p", cls="basis").text() == "on 4 renewals"
    body = page.find("tbody", data_dimension="Channel")
    direct, oem = (
        next(row for row in body.find_all("tr") if name in row.text()) for name in ("Direct", "OEM")
    )
    # The renewal rate is the last column; one renewal is a thin sample, twelve are not.
    assert direct.find_all("td")[-1].text() == "0.0%on 1 renewal"
    assert direct.find_all("td")[-1].attrs["title"] == "on 1 renewal"
    assert oem.find_all("td")[-1].text() == "100.0%"
    assert oem.find_all("td")[-1].attrs["title"] == "on 12 renewals"
