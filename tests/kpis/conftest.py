"""Fixtures for KPI tests: compute on a store built from rows, read values back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from caresight.kpis.engine import compute_kpis
from kpis.computing import Computed, ComputeFn, config, read_results


@pytest.fixture
def compute(make_store: Callable[..., Path]) -> ComputeFn:
    """compute(as_of="2024-03-31", accounts=[...], subscription_lines=[...]), with
    settings={...} for other configuration keys."""

    def run(*, as_of: str, settings: dict | None = None, **tables: list[dict]) -> Computed:
        path = make_store(**tables)
        result = compute_kpis(path, config(as_of, **(settings or {})))
        return read_results(path, result)

    return run
