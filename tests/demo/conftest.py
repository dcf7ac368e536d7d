"""The demo world the cause tests share, written once per test session."""

from __future__ import annotations

import duckdb
import pytest

from demo.facts import open_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return open_world(tmp_path_factory.mktemp("causes"))
