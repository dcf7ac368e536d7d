"""The report in a real browser: charts drawn, tiles readable, nothing fetched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caresight.config import Config
from caresight.report.html import write_report

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
def test_the_report_draws_its_charts_offline_in_chromium(
    book_store: Path, config: Config, tmp_path: Path
) -> None:
    # Imported here so that a machine without playwright fails this test, not collection.
    from playwright.sync_api import sync_playwright

    report = write_report(book_store, config, tmp_path / "report.html")
    requests: list[str] = []
    errors: list[str] = []

    with sync_playwright() as playwright:
        # No skip when the launch fails: CI must have Chromium (scripts/ensure-chromium).
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CARESIGHT_CHROMIUM", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(report.resolve().as_uri())

            for chart in ("bridge", "retention", "mrr-by-channel"):
                page.wait_for_selector(f"#chart-{chart}.js-plotly-plot .main-svg", timeout=10_000)
            # The waterfall drew its eight bars: opening, six movements, closing.
            assert page.locator("#chart-bridge g.point").count() == 8

            # Every chart place of the adoption and platform parts was drawn into.
            page.wait_for_function(
                "[...document.querySelectorAll('div.chart')].every("
                "chart => chart.querySelector('.main-svg'))",
                timeout=10_000,
            )
            drawn = {
                part: page.locator(f"#section-{part} div.chart:has(.main-svg)").count()
                for part in ("adoption", "platform")
            }
            # Three environments' uptime dots, two deployment models' boxes.
            environments = page.locator("#chart-uptime-environments .scatterlayer path.point")
            boxes = page.locator("#chart-cost-to-serve g.trace.boxes")
            points = (environments.count(), boxes.count())
            adoption_tiles = page.locator("#section-adoption article.tile").count()

            tiles = {
                kpi: page.locator(f'article[data-kpi="{kpi}"] .tile-value').inner_text()
                for kpi in ("mrr", "grr_12m", "renewal_rate")
            }
            page.screenshot(path=tmp_path / "report.png", full_page=True)
        finally:
            browser.close()

    # 100,000 + 8,000 + 1,000 + 6,000 - 1,500 - 2,000 + 500 = 112,000.
    assert " ".join(tiles["mrr"].split()) == "112K USD"
    assert tiles["grr_12m"].strip() == "92.3%"
    assert tiles["renewal_rate"].strip() == "—"
    # The charts with values: seven of adoption and onboarding, six of the platform.
    assert drawn == {"adoption": 7, "platform": 6}
    assert points == (3, 2)
    assert adoption_tiles == 8
    assert errors == []
    assert requests and all(url.startswith(("file:", "data:")) for url in requests), requests
    assert (tmp_path / "report.png").stat().st_size > 10_000
