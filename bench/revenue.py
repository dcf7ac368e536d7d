"""Benchmark: load plus every revenue KPI on 10,000- and 100,000-account worlds.

Generates each world once (Parquet, 36 months) under bench/.worlds. Then, each in a fresh
process, it loads a dataset into a new store and computes the KPIs, printing wall time and
the peak resident memory of that process, twice per world:

- `revenue`: the tables the revenue KPIs read (accounts, partners, subscription_lines,
  fx_rates, renewals, renewal_forecasts). Target at 100,000 accounts: load + KPIs under
  60 s and under 4 GiB on a 2-core machine.
- `whole`: every table of the world, usage and telemetry included, for scale.

    python bench/revenue.py [--accounts 10000 100000] [--months 36]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORLDS = HERE / ".worlds"
END = date(2026, 11, 30)
REVENUE_TABLES = (
    "accounts", "partners", "subscription_lines", "fx_rates", "renewals", "renewal_forecasts",
)


def _generate(accounts: int, months: int) -> Path:
    from caresight.demo.world import write_world

    folder = WORLDS / f"world-{accounts}-{months}"
    if not (folder / "accounts.parquet").exists():
        started = time.perf_counter()
        write_world(
            folder, accounts=accounts, months=months, seed=11, end=END, file_format="parquet"
        )
        print(f"  generated {accounts:,} accounts in {time.perf_counter() - started:.1f} s")
    return folder


def _revenue_only(world: Path) -> Path:
    """A dataset folder holding links to the world's revenue tables only."""
    folder = world.parent / f"{world.name}-revenue"
    folder.mkdir(exist_ok=True)
    for name in REVENUE_TABLES:
        link = folder / f"{name}.parquet"
        if not link.exists():
            link.symlink_to(world / f"{name}.parquet")
    return folder


def _measure(folder: str) -> None:
    """Child process: load and compute, print one JSON line of figures."""
    from caresight.config import load_config
    from caresight.dataset.load import load_dataset
    from caresight.kpis.engine import compute_kpis

    config = load_config(None, as_of=END)
    store = Path(folder) / "bench.duckdb"
    store.unlink(missing_ok=True)

    started = time.perf_counter()
    loaded = load_dataset(store, Path(folder), config)
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    computed = compute_kpis(store, config)
    kpi_s = time.perf_counter() - started

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "rows": sum(loaded.rows.values()),
        "lines": loaded.rows.get("subscription_lines", 0),
        "kpi_values": computed.rows,
        "load_s": load_s,
        "kpi_s": kpi_s,
        "peak_gib": peak_kib / 1024**2,
    }))
    store.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure)
        return

    print(f"{'accounts':>9} {'dataset':>8} {'rows':>12} {'lines':>9} {'load s':>7} "
          f"{'KPIs s':>7} {'total s':>8} {'peak GiB':>9}")
    for accounts in args.accounts:
        world = _generate(accounts, args.months)
        for label, folder in (("revenue", _revenue_only(world)), ("whole", world)):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder)],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
            f = json.loads(out)
            print(f"{accounts:>9,} {label:>8} {f['rows']:>12,} {f['lines']:>9,} "
                  f"{f['load_s']:>7.1f} {f['kpi_s']:>7.1f} {f['load_s'] + f['kpi_s']:>8.1f} "
                  f"{f['peak_gib']:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
