"""The configuration: shipped defaults, overrides, and errors that say what to fix."""

from datetime import date
from pathlib import Path

import pytest

from caresight.config import load_config
from caresight.errors import ConfigError


def test_defaults_apply_when_no_file_is_given(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.reporting_currency == "USD"
    assert config.reporting_timezone == "UTC"
    assert config.revenue.forecast_lead_days == 90
    assert config.thresholds["grr_12m"].green == 0.90


def test_a_file_overrides_only_the_keys_it_names(tmp_path: Path) -> None:
    path = tmp_path / "caresight.toml"
    path.write_text(
        'reporting_currency = "EUR"\nas_of = 2024-05-31\n[revenue]\nforecast_lead_days = 60\n'
    )
    config = load_config(path)
    assert config.reporting_currency == "EUR"
    assert config.as_of == date(2024, 5, 31)
    assert config.revenue.forecast_lead_days == 60
    assert config.revenue.renewal_horizon_days == 180


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('reporting_timezone = "Mars/Olympus"', "reporting_timezone"),
        ('reporting_currency = "dollars"', "ISO 4217"),
        ("[revenue]\nforecast_lead = 3", "forecast_lead"),
        ("[thresholds]\nnot_a_kpi = { green = 1, amber = 0 }", "not_a_kpi"),
        ("reporting_currency = ", "not valid TOML"),
        ("[platform]\nnoisy_neighbour_cpu_share = 0.3",
         "noisy_neighbour_cpu_share: is not a configuration key; did you mean "
         "noisy_neighbor_cpu_share\\?"),
        ('reporting_curency = "EUR"', "did you mean reporting_currency\\?"),
        ('[adoption]\ndependency_categories = "how_to"', "should be a list in square brackets"),
        ("[platform]\ndegraded_weight = 2", "degraded_weight: Input should be less than"),
        ("[costs]\nsuccess_cost_per_tier = { standard = -1.0 }", "must be 0 or more"),
    ],
    ids=["unknown-zone", "bad-currency", "unknown-key", "unknown-kpi", "broken-toml",
         "misspelt-key-in-a-section", "misspelt-top-level-key", "string-for-a-list",
         "weight-above-one", "negative-cost"],
)
def test_a_bad_file_is_refused_with_the_key_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_a_memory_limit_duckdb_cannot_read_is_refused_when_the_store_opens(
    tmp_path: Path,
) -> None:
    from caresight.errors import StoreError
    from caresight.store import Store

    with pytest.raises(StoreError, match="'lots' is not a size"):
        Store(tmp_path / "s.duckdb", create=True, memory_limit="lots")
    with Store(tmp_path / "t.duckdb", create=True, memory_limit="256MB") as store:
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    # DuckDB reports the limit in binary units: 256 MB is about 244 MiB.
    assert limit.endswith("MiB") and 240 <= float(limit.split()[0]) <= 256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[thresholds]\ngrr_12n = { green = 1, amber = 0 }", "did you mean grr_12m"),
        ("[thresholds]\ngrr_12m = { green = 0.5, amber = 0.9 }", "green must be at or above"),
        ("[thresholds]\nlogo_churn_rate = { green = 0.05, amber = 0.01 }",
         "green must be at or below"),
        ("as_of = 9999-12-31", "between 1970 and 2999"),
    ],
    ids=["kpi-typo", "up-kpi-inverted", "down-kpi-inverted", "as-of-out-of-range"],
)
def test_thresholds_and_days_that_cannot_mean_anything_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)
