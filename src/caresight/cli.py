"""The `caresight` command. Thin: every command calls one function and prints its result.

Heavy imports (duckdb, ibis, pandas, plotly) happen inside the commands so that
`caresight --help` starts at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from caresight import __version__
from caresight.config import Config, load_config
from caresight.errors import CaresightError, DatasetInvalid
from caresight.store import DEFAULT_STORE

app = typer.Typer(
    name="caresight",
    help="Customer-success control system for healthcare SaaS providers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Convert other layouts into the caresight dataset format.")
app.add_typer(import_app, name="import")

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("caresight")

#: A progress callback: (what is happening, steps done, steps in all).
ProgressFn = Callable[[str, int, int], None]

_state = {"debug": False}

StoreOption = Annotated[
    Path, typer.Option("--store", help="The DuckDB store file.", show_default=True)
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Framework configuration (default ./caresight.toml)."),
]
PeriodOption = Annotated[
    list[str] | None,
    typer.Option("--period", help="YYYY-MM, a range YYYY-MM:YYYY-MM, or 'latest'."),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
]
AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Measure the book on this day."),
]


def _config(path: Path | None, as_of: datetime | None = None) -> Config:
    return load_config(path, as_of=as_of.date() if as_of else None)


@contextmanager
def _progress(transient: bool = False) -> Iterator[ProgressFn]:
    """A Rich progress bar fed by the (label, done, total) callbacks of the data path."""
    bar = Progress(
        TextColumn("{task.description:<36}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
        disable=not err_console.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total)
        bar.update(tasks[label], completed=done, total=total)

    with bar:
        yield update


def _setup_logging(verbose: bool, debug: bool) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _version(value: bool) -> None:
    if value:
        console.print(f"caresight {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what happens to the data.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log compiled SQL; show tracebacks.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    _state["debug"] = debug
    _setup_logging(verbose, debug)


@app.command()
def load(
    folder: Annotated[Path, typer.Argument(help="Dataset folder, one file per table.")],
    store: StoreOption = DEFAULT_STORE,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Validate a dataset folder and load it into the store, all or nothing."""
    from caresight.dataset.load import load_dataset

    settings = _config(config, as_of)
    with _progress() as progress:
        result = load_dataset(store, folder, settings, progress=progress)
    total = sum(result.rows.values())
    console.print(
        f"Loaded {total:,} rows from {len(result.rows)} tables of {folder} into {store}."
    )


@app.command()
def compute(
    store: StoreOption = DEFAULT_STORE,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Compute every KPI the loaded data allows and materialise them in the store."""
    from caresight.kpis.engine import compute_kpis

    settings = _config(config, as_of)
    with _progress() as progress:
        result = compute_kpis(store, settings, progress=progress)
    console.print(
        f"Computed {len(result.computed)} KPIs over {result.periods} month(s): "
        f"{result.rows:,} values in {store}."
    )
    for kpi, missing in sorted(result.unavailable.items()):
        console.print(f"  no data for {kpi}: the dataset has no {', '.join(missing)}")
    _print_notices(result.notices)


def _print_notices(notices: list[str]) -> None:
    """What matched nothing in the data: worth a look, but not an error."""
    for notice in notices:
        console.print(f"[yellow]Check:[/yellow] {escape(notice)}", highlight=False)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command()
def kpis(
    kpi: Annotated[list[str] | None, typer.Option("--kpi", help="KPI id; repeatable.")] = None,
    dimension: Annotated[
        list[str] | None, typer.Option("--dimension", help="Dimension, e.g. channel; repeatable.")
    ] = None,
    segment: Annotated[
        list[str] | None, typer.Option("--segment", help="Segment value; repeatable.")
    ] = None,
    period: PeriodOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print or write the values.")
    ] = OutputFormat.table,
    out: OutOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Print or write computed KPI values, filtered."""
    from caresight.kpis.results import KpiQuery, in_progress_note, read_kpi_values, render

    query = KpiQuery(
        kpis=kpi or [], dimensions=dimension or [], segments=segment or [], periods=period or []
    )
    values = read_kpi_values(store, query)
    render(values, output_format.value, out, console)
    # Only beside a table or a written file: printed csv or json must stay machine-readable.
    note = in_progress_note(store, values)
    if note and (output_format is OutputFormat.table or out is not None):
        console.print(f"[yellow]Note:[/yellow] {escape(note)}", highlight=False)


class Details(StrEnum):
    gates = "gates"
    costs = "costs"


@app.command()
def details(
    which: Annotated[
        Details,
        typer.Argument(
            help="gates: each project's go-live gates and which failed; costs: each "
            "account's cost to serve by month, with the method each cost came from."
        ),
    ],
    period: PeriodOption = None,
    account: Annotated[
        list[str] | None, typer.Option("--account", help="Account id; repeatable.")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print or write the rows.")
    ] = OutputFormat.table,
    out: OutOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Print or write the detail behind the KPIs: project gates or account costs."""
    from caresight.kpis.results import read_details, render

    rows = read_details(store, which.value, period or [], account or [])
    label = "project gate rows" if which is Details.gates else "account cost rows"
    render(rows, output_format.value, out, console, what=label)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "out/report.html"
    ),
    store: StoreOption = DEFAULT_STORE,
    config: ConfigOption = None,
) -> None:
    """Write the self-contained executive report (opens offline)."""
    from caresight.report.html import write_report

    path = write_report(store, _config(config), out)
    console.print(f"Report written to {path.resolve()}")


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"


@app.command("demo-data")
def demo_data(
    folder: Annotated[Path, typer.Argument(help="Where to write the dataset.")],
    accounts: Annotated[int, typer.Option(min=1, help="How many end customers.")] = 600,
    months: Annotated[int, typer.Option(min=1, help="Months of history.")] = 36,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 7,
    end: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of history (default today)."),
    ] = None,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="File format of the tables.")
    ] = FileFormat.csv,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a dataset already in the folder.")
    ] = False,
) -> None:
    """Write a seeded demo world in the dataset format."""
    from caresight.dataset.output import check_output_folder
    from caresight.demo.world import write_world

    check_output_folder(folder, force=force)
    last_day = end.date() if end else date.today()
    with _progress() as progress:
        rows = write_world(
            folder,
            accounts=accounts,
            months=months,
            seed=seed,
            end=last_day,
            file_format=file_format.value,
            progress=progress,
        )
    console.print(f"Wrote {sum(rows.values()):,} rows in {len(rows)} tables to {folder}.")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the demo goes.")] = Path(
        "out"
    ),
    accounts: Annotated[int, typer.Option(min=1)] = 600,
    months: Annotated[int, typer.Option(min=1)] = 36,
    seed: Annotated[int, typer.Option()] = 7,
    config: ConfigOption = None,
) -> None:
    """The main job: generate a demo world, load it, compute every KPI, write the report."""
    from caresight.dataset.load import load_dataset
    from caresight.demo.world import write_world
    from caresight.kpis.engine import compute_kpis
    from caresight.report.html import write_report

    settings = _config(config)
    data_dir = out_dir / "demo-data"
    store = out_dir / "caresight.duckdb"
    report_path = out_dir / "report.html"

    with _progress() as progress:
        rows = write_world(
            data_dir,
            accounts=accounts,
            months=months,
            seed=seed,
            end=settings.measured_on(),
            file_format="csv",
            progress=progress,
        )
        console.print(f"Demo world: {sum(rows.values()):,} rows in {len(rows)} tables.")
        load_dataset(store, data_dir, settings, progress=progress)
        result = compute_kpis(store, settings, progress=progress)
        console.print(f"KPIs: {result.rows:,} values of {len(result.computed)} KPIs.")
        _print_notices(result.notices)
        write_report(store, settings, report_path)

    console.print(f"The report is at {report_path.resolve()}")
    console.print(
        f"The store is at {store}; try "
        f"`caresight kpis --store {store} --kpi mrr --dimension channel --period latest`."
    )


@import_app.command("mrr-playbook")
def import_mrr_playbook(
    file: Annotated[Path, typer.Argument(help="subscription_periods.csv of dbt's mrr-playbook.")],
    folder: Annotated[Path, typer.Argument(help="Where to write the dataset.")],
    currency: Annotated[str, typer.Option(help="Currency of the amounts.")] = "USD",
    force: Annotated[
        bool, typer.Option("--force", help="Replace a dataset already in the folder.")
    ] = False,
) -> None:
    """Convert the mrr-playbook sample (end dates exclusive) into the dataset format."""
    from caresight.dataset.output import check_output_folder
    from caresight.importers.mrr_playbook import convert

    check_output_folder(folder, force=force)
    rows = convert(file, folder, currency=currency)
    console.print(f"Wrote {sum(rows.values()):,} rows in {len(rows)} tables to {folder}.")


def main() -> None:
    """Entry point: run the app and turn our errors into clean messages."""
    try:
        app()
    except DatasetInvalid as exc:
        err_console.print(exc.report(), markup=False, highlight=False)
        sys.exit(1)
    except CaresightError as exc:
        if _state["debug"]:
            raise
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)
