"""Fixtures of the report's tests: the shipped configuration and the hand-built book."""

from __future__ import annotations

from pathlib import Path

import pytest

from caresight.config import Config, load_config
from report.book import PARTNERS, book_rows
from report.kpi_store import write_kpi_store
from report.ops import ACCOUNTS, DELIVERY_PARTNERS, ENVIRONMENTS, ops_rows, project_gates


@pytest.fixture(scope="session")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The shipped defaults, whatever caresight.toml the working directory holds."""
    empty = tmp_path_factory.mktemp("config") / "caresight.toml"
    empty.write_text("")
    return load_config(empty)


@pytest.fixture(scope="module")
def book_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The revenue book with the adoption, onboarding and platform results beside it."""
    return write_kpi_store(
        tmp_path_factory.mktemp("book") / "book.duckdb",
        [*book_rows(), *ops_rows()],
        unavailable={"renewal_forecast_accuracy": "renewals, renewal_forecasts"},
        meta={"kpis_currency": "USD", "kpis_as_of": "2025-06-15"},
        partners={**PARTNERS, **DELIVERY_PARTNERS},
        tables={"environments": ENVIRONMENTS, "accounts": ACCOUNTS},
        project_gates=project_gates(),
    )
