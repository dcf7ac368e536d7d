"""The moderate demo world the cause tests share, opened in DuckDB with what the data
does not show (every partner's hidden quality and discount) and the cost to serve as
the product computes it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from caresight.demo import partner_profiles, write_world
from demo.contract import open_folder

WORLD = {"accounts": 400, "months": 24, "seed": 5, "end": date(2025, 6, 30)}
END = WORLD["end"]
#: The shipped cost settings: support_cost_per_ticket and success_cost_per_tier.
COST_PER_TICKET = 25.0
SUCCESS_COST = {"standard": 40.0, "premium": 120.0, "enterprise": 350.0}


def open_world(folder: Path) -> duckdb.DuckDBPyConnection:
    write_world(folder, file_format="parquet", **WORLD)
    con = open_folder(folder, "parquet")
    _add_profiles(con)
    _add_cost_to_serve(con)
    return con


def _add_profiles(con: duckdb.DuckDBPyConnection) -> None:
    profiles = partner_profiles(**WORLD)
    con.execute("CREATE TABLE profile (partner_id VARCHAR, quality DOUBLE, discount DOUBLE)")
    con.executemany(
        "INSERT INTO profile VALUES (?, ?, ?)",
        [(pid, p.quality, p.discount) for pid, p in profiles.items()],
    )
    # Delivery by the platform team is neither weak nor strong.
    con.execute(
        """
        CREATE TABLE delivery AS
        SELECT a.account_id,
               CASE WHEN p.quality < 0.5 THEN 'weak' WHEN p.quality >= 0.8 THEN 'strong'
               END AS delivery
        FROM accounts a LEFT JOIN profile p ON p.partner_id = a.delivery_partner_id
        """
    )


def _add_cost_to_serve(con: duckdb.DuckDBPyConnection) -> None:
    """cost_to_serve(account_id, month, cost): account_costs where written, else the
    allocation of the KPI spec: the pool's monthly_cost split by the tenants' mean
    cpu_share of the month, tickets at a cost each, and a success cost by tier."""
    tiers = " ".join(f"WHEN '{tier}' THEN {cost}" for tier, cost in SUCCESS_COST.items())
    con.execute(
        f"""
        CREATE TABLE cost_to_serve AS
        WITH usage AS (
            SELECT environment_id, account_id, strftime(date, '%Y-%m') AS month,
                   avg(cpu_share) AS share
            FROM tenant_usage GROUP BY ALL
        ),
        hosting AS (
            SELECT u.account_id, u.month,
                   e.monthly_cost * u.share
                   / sum(u.share) OVER (PARTITION BY u.environment_id, u.month) AS amount
            FROM usage u JOIN environments e USING (environment_id)
        ),
        tickets AS (
            SELECT account_id, strftime(opened_at, '%Y-%m') AS month, count(*) AS n
            FROM tickets GROUP BY ALL
        ),
        allocated AS (
            SELECT h.account_id, h.month,
                   h.amount + {COST_PER_TICKET} * coalesce(t.n, 0)
                   + CASE a.service_tier {tiers} END AS cost
            FROM hosting h JOIN accounts a USING (account_id)
            LEFT JOIN tickets t USING (account_id, month)
            WHERE h.account_id NOT IN (SELECT account_id FROM account_costs)
        )
        SELECT account_id, month, sum(amount) AS cost FROM account_costs GROUP BY ALL
        UNION ALL SELECT * FROM allocated
        """
    )


def by_delivery(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, float]:
    """{'weak': value, 'strong': value} of a query returning (delivery, value)."""
    rows = con.execute(sql).fetchall()
    return {group: value for group, value in rows if group in ("weak", "strong")}
