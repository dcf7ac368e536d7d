"""Benchmark: the adoption KPIs on a book with 100 million workflow_events rows.

Generates the world once with DuckDB SQL (deterministic hashes of row numbers, no Python
rows) as Parquet under bench/.worlds: accounts, partners, subscription_lines (a hosting
line and one to four module lines, the last often added later: an expansion), users,
implementations, features, training, tickets, business_reviews and a year of
workflow_events, one row per user, day and workflow with a count, as the demo writes
them. Then, each step in a fresh process, it prints wall time and the peak resident
memory of that process (DuckDB included):

- `load`: the dataset through the loader (read, check every rule, write the store and
  build the usage rollups; the rollup build is also timed on its own);
- `compute`: the revenue and adoption KPIs, reading the rollups the load built (the
  adoption groups' own time is shown beside the total);
- `again`: the same computation once more;
- `rezone` (with --rezone): a computation in UTC, which rebuilds the rollups.

Target for the adoption KPIs: under 120 s and 6 GiB on a 2-core machine.

    python bench/adoption.py [--accounts 20000] [--events 100000000] [--zone ...] [--rezone]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORLDS = HERE / ".worlds"
END = date(2026, 11, 30)
EVENTS_FROM = date(2025, 12, 1)
MODULES = ("scheduling", "billing", "patient_administration", "inventory", "finance",
           "reporting")
ROLES = ("physician", "nurse", "front_desk", "billing_clerk", "administrator")
DEPARTMENTS = ("outpatient", "radiology", "finance", "inpatient", "laboratory")


def _pick(values: tuple[str, ...], key: str) -> str:
    """A SQL expression choosing one of `values` by a hash."""
    listed = ", ".join(f"'{v}'" for v in values)
    return f"[{listed}][1 + (({key}) % {len(values)})::INTEGER]"


def _world_sql(accounts: int, events: int) -> list[tuple[str, str]]:
    """(table, SELECT) pairs; each SELECT writes one Parquet file. `r(i, salt)` is a
    deterministic number in [0, 1)."""
    modules = _pick(MODULES, "(a.module_offset + j)")
    return [
        ("partners", """
            SELECT 'P' || p AS partner_id, 'Partner ' || p AS name,
                   CASE WHEN p < 25 THEN 'reseller' WHEN p < 35 THEN 'white_label'
                        WHEN p < 40 THEN 'oem' ELSE 'implementation' END AS partner_type
            FROM range(50) t(p)"""),
        ("accounts", f"""
            SELECT account_id, 'Account ' || i AS name,
                   {_pick(('hospital', 'specialty_clinic', 'primary_care', 'laboratory',
                           'home_care'), 'hash(i, 1)')} AS customer_type,
                   {_pick(('emea', 'north_america', 'apac', 'latam'), 'hash(i, 2)')} AS region,
                   channel,
                   CASE channel WHEN 'direct' THEN NULL
                        WHEN 'reseller' THEN 'P' || (hash(i, 4) % 25)
                        WHEN 'white_label' THEN 'P' || (25 + hash(i, 4) % 10)
                        ELSE 'P' || (35 + hash(i, 4) % 5) END AS partner_id,
                   delivery_partner_id,
                   CASE WHEN r(i, 6) < 0.85 THEN 'multi_tenant' ELSE 'dedicated' END
                       AS deployment_model,
                   CASE WHEN r(i, 7) < 0.6 THEN 'standard' WHEN r(i, 7) < 0.9 THEN 'premium'
                        ELSE 'enterprise' END AS service_tier,
                   signed AS contract_signed_on
            FROM book"""),
        ("subscription_lines", f"""
            SELECT account_id || '-h' AS line_id, account_id, 'managed_hosting' AS product,
                   'hosting' AS product_category, signed + 30 AS start_on, NULL AS end_on,
                   500 AS amount, 1 AS billing_period_months, 'USD' AS currency
            FROM book
            UNION ALL
            SELECT a.account_id || '-m' || j, a.account_id, {modules}, 'module',
                   -- The last of several modules is bought later: an expansion.
                   a.signed + 30 + CASE WHEN j > 0 AND j = a.n_modules - 1
                                        THEN 120 + (hash(a.i, 9) % 300)::INT ELSE 0 END,
                   CASE WHEN r(a.i * 8 + j, 10) < 0.08 THEN a.signed + 900 END,
                   200 + hash(a.i, j, 11) % 800, 1, 'USD'
            FROM book a, range(4) t(j) WHERE j < a.n_modules"""),
        ("implementations", """
            SELECT 'PRJ' || i AS project_id, account_id, 'onboarding' AS kind,
                   delivery_partner_id, signed + 10 AS kickoff_on,
                   signed + 90 AS planned_go_live_on,
                   CASE WHEN go_live <= DATE '{end}' THEN go_live END AS go_live_on
            FROM book""".replace("{end}", str(END))),
        ("users", f"""
            SELECT account_id, user_id,
                   {_pick(ROLES, 'hash(g, 21)')} AS role,
                   {_pick(DEPARTMENTS, 'hash(g, 22)')} AS department,
                   licensed_from,
                   CASE WHEN r(g, 23) < 0.1
                        THEN licensed_from + 100 + (hash(g, 24) % 400)::INT END
                       AS licensed_until
            FROM people"""),
        ("workflow_events", f"""
            SELECT TIMESTAMP '{EVENTS_FROM}'
                       + to_seconds((hash(i, 31) % {365 * 86400})::BIGINT) AS occurred_at,
                   e.account_id, e.user_id,
                   {_pick(MODULES, '(e.module_offset + hash(i, 32) % e.n_modules)')}
                       AS module,
                   {_pick(MODULES, '(e.module_offset + hash(i, 32) % e.n_modules)')}
                       || '_' || hash(i, 33) % 4 AS workflow,
                   1 + hash(i, 34) % 25 AS count
            FROM range({events}) t(i)
            JOIN engaged e ON e.e = hash(i, 30) % {{engaged}}"""),
        ("features", f"""
            SELECT a.account_id, {modules} AS module,
                   {modules} || '_' || w AS workflow,
                   a.go_live - 30 AS configured_on,
                   CASE WHEN r(a.i * 32 + j * 4 + w, 40) < 0.8 THEN a.go_live + (7 * w)::INT END
                       AS in_production_on
            FROM book a, range(4) t(j), range(4) u(w)
            WHERE j < a.n_modules AND a.go_live - 30 <= DATE '{END}'"""),
        ("training", f"""
            SELECT account_id, user_id, c AS course, licensed_from AS assigned_on,
                   CASE WHEN r(g * 3 + c_n, 50) < 0.75
                        THEN licensed_from + (hash(g, c_n, 51) % 120)::INT END AS completed_on
            FROM people, (VALUES ('basics', 0), ('advanced', 1), ('compliance', 2)) c(c, c_n)
            WHERE licensed_from <= DATE '{END}'"""),
        ("tickets", f"""
            SELECT 'T' || n AS ticket_id, b.account_id,
                   TIMESTAMP '2024-01-01' + to_seconds((hash(n, 61) % {1065 * 86400})::BIGINT)
                       AS opened_at,
                   'sev' || (1 + hash(n, 62) % 4) AS severity,
                   {_pick(('how_to', 'configuration', 'access', 'defect', 'data',
                           'integration'), 'hash(n, 63)')} AS category,
                   'customer' AS cause_owner, 'platform' AS handled_by
            FROM range({accounts * 6}) t(n) JOIN book b ON b.i = hash(n, 60) % {accounts}"""),
        ("business_reviews", f"""
            SELECT account_id || '-r' || q AS review_id, account_id,
                   go_live + (91 * q)::INT AS due_on,
                   CASE WHEN r(i * 16 + q, 70) < 0.8
                        THEN go_live + (91 * q)::INT + (hash(i, q, 71) % 50)::INT - 10
                   END AS held_on,
                   r(i * 16 + q, 72) < 0.6 AS sponsor_attended
            FROM book, range(1, 16) t(q) WHERE go_live + (91 * q)::INT <= DATE '{END}'"""),
    ]


def _generate(accounts: int, events: int) -> Path:
    """Write the world's Parquet files once; later runs reuse them."""
    import duckdb

    folder = WORLDS / f"adoption-{accounts}-{events}"
    if (folder / "workflow_events.parquet").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE MACRO r(i, salt) AS (hash(i, salt) % 1000000)::DOUBLE / 1000000")
    con.execute(f"""
        CREATE TABLE book AS
        SELECT i, 'A' || lpad(i::VARCHAR, 6, '0') AS account_id,
               CASE WHEN r(i, 3) < 0.6 THEN 'direct' WHEN r(i, 3) < 0.85 THEN 'reseller'
                    WHEN r(i, 3) < 0.95 THEN 'white_label' ELSE 'oem' END AS channel,
               CASE WHEN r(i, 5) < 0.3 THEN 'P' || (40 + hash(i, 5) % 10) END
                   AS delivery_partner_id,
               DATE '2021-01-01' + (hash(i, 8) % 2000)::INT AS signed,
               DATE '2021-01-01' + (hash(i, 8) % 2000)::INT + 60 + (hash(i, 12) % 90)::INT
                   AS go_live,
               1 + hash(i, 13) % 4 AS n_modules, hash(i, 14) % 6 AS module_offset,
               5 + hash(i, 15) % 40 AS n_users
        FROM range({accounts}) t(i)""")
    con.execute("""
        CREATE TABLE people AS
        SELECT b.account_id, 'U' || k AS user_id, b.i * 64 + k AS g,
               b.go_live - 10 + (hash(b.i, k, 20) % 60)::INT AS licensed_from,
               b.module_offset, b.n_modules
        FROM book b, range(45) t(k) WHERE k < b.n_users""")
    # Four in five users work in the product; events fall on them evenly.
    con.execute("""
        CREATE TABLE engaged AS
        SELECT row_number() OVER (ORDER BY g) - 1 AS e, account_id, user_id, module_offset,
               n_modules
        FROM people WHERE r(g, 25) < 0.8""")
    (engaged,) = con.execute("SELECT count(*) FROM engaged").fetchone() or (0,)
    for table, select in _world_sql(accounts, events):
        select = select.replace("{engaged}", str(engaged))
        con.execute(f"COPY ({select}) TO '{folder / table}.parquet' (FORMAT parquet)")
        print(f"  wrote {table} ({time.perf_counter() - started:.0f} s)", flush=True)
    con.close()
    return folder


class _Timings(logging.Handler):
    """Collects the seconds caresight logs: the usage rollup build, and each KPI group."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.rollup_s: float | None = None
        self.groups: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if found := re.search(r"built the usage rollups in ([\d.]+) s", message):
            self.rollup_s = float(found.group(1))
        elif found := re.search(r"computed (.+) KPIs: \d+ values in ([\d.]+) s", message):
            self.groups[found.group(1)] = float(found.group(2))


def _measure(step: str, folder: str, zone: str) -> None:
    """Child process: one step, then one JSON line of figures."""
    from caresight.config import load_config
    from caresight.kpis import adoption, engine, revenue

    config = load_config(None, as_of=END).model_copy(update={"reporting_timezone": zone})
    store = Path(folder) / "bench.duckdb"
    timings = _Timings()
    logger = logging.getLogger("caresight")
    logger.setLevel(logging.INFO)
    logger.addHandler(timings)

    figures: dict[str, object] = {}
    started = time.perf_counter()
    if step == "load":
        from caresight.dataset.load import load_dataset

        store.unlink(missing_ok=True)
        loaded = load_dataset(store, Path(folder), config)
        figures["detail"] = (f"{sum(loaded.rows.values()):,} rows, "
                             f"{loaded.rows.get('workflow_events', 0):,} events")
    else:
        # Only the groups this bench is about: revenue (first expansion reads its account
        # facts) and adoption.
        engine.GROUPS = (*revenue.GROUPS, *adoption.GROUPS)
        computed = engine.compute_kpis(store, config)
        adoption_names = {group.name for group in adoption.GROUPS}
        adoption_s = sum(s for name, s in timings.groups.items() if name in adoption_names)
        figures["detail"] = (f"{computed.rows:,} KPI values; adoption groups "
                             f"{adoption_s:.1f} s (rollups included), revenue "
                             f"{timings.groups.get('revenue', 0):.1f} s")
    figures["seconds"] = time.perf_counter() - started
    figures["rollup_s"] = timings.rollup_s
    figures["peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--zone", default="America/New_York")
    parser.add_argument("--rezone", action="store_true",
                        help="also compute in UTC, which rebuilds the rollups")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure[0], args.measure[1], args.zone)
        return

    world = _generate(args.accounts, args.events)
    steps = [("load", args.zone), ("compute", args.zone), ("again", args.zone)]
    if args.rezone:
        steps.append(("rezone", "UTC"))
    print(f"{'step':>7} {'seconds':>8} {'rollup s':>9} {'peak GiB':>9}  detail")
    for step, zone in steps:
        out = subprocess.run(
            [sys.executable, __file__, "--zone", zone, "--measure", step, str(world)],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        f = json.loads(out)
        rollup = "" if f["rollup_s"] is None else f"{f['rollup_s']:.1f}"
        print(f"{step:>7} {f['seconds']:>8.1f} {rollup:>9} {f['peak_gib']:>9.2f}  {f['detail']}",
              flush=True)
    (world / "bench.duckdb").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
