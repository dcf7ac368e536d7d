"""Writing a dataset never silently overwrites or mixes with another one."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from caresight.cli import app
from caresight.errors import CaresightError

runner = CliRunner()


def _demo_data(folder: Path, *extra: str):
    return runner.invoke(
        app,
        ["demo-data", str(folder), "--accounts", "3", "--months", "2",
         "--end", "2026-01-31", *extra],
    )


def test_demo_data_refuses_a_folder_that_holds_a_dataset_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("mine\n")
    refused = _demo_data(tmp_path)
    assert isinstance(refused.exception, CaresightError)
    assert "already holds a dataset (accounts.csv)" in str(refused.exception)
    assert (tmp_path / "accounts.csv").read_text() == "mine\n"

    forced = _demo_data(tmp_path, "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "accounts.csv").read_text() != "mine\n"


def test_demo_data_refuses_a_file_as_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("x")
    refused = _demo_data(target)
    assert isinstance(refused.exception, CaresightError)
    assert "is a file" in str(refused.exception)


def test_an_import_with_force_leaves_no_table_of_the_older_dataset(tmp_path: Path) -> None:
    source = tmp_path / "periods.csv"
    source.write_text(
        "subscription_id,customer_id,start_date,end_date,monthly_amount\n"
        "1,7,2019-01-01,2019-03-01,10\n"
    )
    folder = tmp_path / "dataset"
    assert _demo_data(folder).exit_code == 0
    result = runner.invoke(app, ["import", "mrr-playbook", str(source), str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["accounts.csv", "subscription_lines.csv"]
