"""The platform part's shared-hosting figures: isolation breaches as a tile, and the
noisy-neighbour, CPU and breach measures each readable on its own scale."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caresight.config import Config
from caresight.report.html import write_report
from report.book import book_rows
from report.dom import Node, parse
from report.kpi_store import kpi_value, write_kpi_store


@pytest.fixture(scope="module")
def page(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Node:
    """Measured on 15 June 2025: the parts report May, and the 12 months to it are June
    2024 to May 2025. Breaches: 3 in May 2024 (before the window), 1 in July 2024, 2 in
    April and 1 in May 2025, 5 in June (in progress)."""
    rows = [*book_rows()]
    for period, breaches in (("2024-05", 3), ("2024-07", 1), ("2025-04", 2), ("2025-05", 1),
                             ("2025-06", 5)):
        rows.append(kpi_value("isolation_breaches", period, breaches, numerator=breaches,
                              n=breaches))
    # Noisy-neighbour days are a fraction of a percent beside a CPU p95 near 60 %.
    for period, noisy, cpu in (("2025-04", 0.004, 0.62), ("2025-05", 0.0035, 0.58)):
        rows += [kpi_value("noisy_neighbor_rate", period, noisy),
                 kpi_value("shared_cpu_utilization", period, cpu)]
    path = tmp_path_factory.mktemp("shared")
    store = write_kpi_store(path / "shared.duckdb", rows, unavailable={},
                            meta={"kpis_as_of": "2025-06-15"})
    return parse(write_report(store, config, path / "r.html").read_text(encoding="utf-8"))


def _figure(page: Node, chart: str) -> dict[str, Any]:
    node = page.find("script", type="application/json", data_figure=f"chart-{chart}")
    return json.loads(node.raw_text())


def test_isolation_breaches_have_a_tile_with_the_years_total(page: Node) -> None:
    tile = page.find("section", id="section-platform").find(
        "article", cls="tile", data_kpi="isolation_breaches")

    assert tile.find("h3").text() == "Isolation breaches"
    # May's count; June's 5 are a few days and do not show.
    assert tile.find("p", cls="tile-value").text() == "1"
    # 1 - 2 = -1, good news for a KPI whose direction is down.
    assert tile.find("p", cls="change").text() == "▼ -1"
    assert "good" in tile.find("p", cls="change").classes
    # 1 (July 2024) + 2 (April) + 1 (May) = 4; May 2024's 3 fall before the window.
    assert tile.find("p", cls="basis").text() == "4 in the 12 months to May 2025"
    # No threshold is configured: the tile claims no status.
    assert "status-none" in tile.classes


def test_shared_hosting_measures_each_have_their_own_scale(page: Node) -> None:
    figure = _figure(page, "multi-tenant")
    traces = {a["text"]: trace for a, trace in
              zip(figure["layout"]["annotations"], figure["data"], strict=True)}

    assert list(traces) == ["Noisy-neighbour days", "Shared CPU p95", "Isolation breaches"]
    axes = [trace.get("yaxis", "y") for trace in traces.values()]
    assert axes == ["y", "y2", "y3"]
    # Noisy-neighbour days keep a decimal on their own axis: 0.35 % does not read as 0 %.
    assert figure["layout"]["yaxis"]["tickformat"] == ".1%"
    assert traces["Noisy-neighbour days"]["y"][-2:] == [0.004, 0.0035]
    assert traces["Shared CPU p95"]["y"][-2:] == [0.62, 0.58]
    assert traces["Isolation breaches"]["type"] == "bar"
    # Breach counts are whole: ticks one apart (at most 3 a month in the months shown).
    assert figure["layout"]["yaxis3"]["dtick"] == 1
