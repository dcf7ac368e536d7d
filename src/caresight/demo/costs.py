"""Cost to serve of dedicated customers, written explicitly per account and month (USD).

A dedicated environment's cost changes from month to month as it accumulates custom
modules, and `environments` holds only its latest monthly_cost, so these customers'
costs are written out: hosting is their environment's cost of the month, support is
tickets times a cost per ticket, success a monthly cost by service tier, all pro-rated
to the days in service (the month in progress counts whole, as the KPIs cost it).
Multi-tenant customers get no rows: their cost is left to the product's allocation
(their pool's monthly_cost split by tenant_usage, tickets and tier at the configured
costs, which the constants here match), so a demo shows both.
"""

from __future__ import annotations

import numpy as np

from caresight.demo import catalogue as cat
from caresight.demo.book import Book, service_months
from caresight.demo.labels import names, take
from caresight.demo.platform import Environments
from caresight.demo.timeline import DAY, Window, days_between

#: The shipped support_cost_per_ticket; success costs are catalogue.SUCCESS_COST.
SUPPORT_COST_PER_TICKET = 25.0
DAYS_PER_MONTH = 30.4


def account_costs(book: Book, envs: Environments, tickets_per_month: np.ndarray,
                  window: Window) -> dict[str, object]:
    account, month, first, days = service_months(book, window)
    dedicated = book.dedicated[account]
    account, month, first, days = (v[dedicated] for v in (account, month, first, days))
    env = book.environment[account]
    full_month = np.minimum(_billed_days(first, days, window) / DAYS_PER_MONTH, 1.0)
    hosting = envs.monthly_cost(env, first) * full_month
    success = cat.SUCCESS_COST[book.tier[account]] * full_month
    support = SUPPORT_COST_PER_TICKET * tickets_per_month[account, month]

    n = len(account)
    kind = np.repeat(np.array([0, 1, 2]), n)
    rows = np.tile(np.arange(n), 3)
    amount = np.concatenate([hosting, support, success])
    keep = amount > 0
    rows, kind, amount = rows[keep], kind[keep], amount[keep]
    order = np.lexsort((kind, month[rows], account[rows]))
    rows, kind, amount = rows[order], kind[order], amount[order]
    month_text = window.month_starts.astype("datetime64[M]").astype(str)
    return {
        "account_id": take(book.ids, account[rows]),
        "month": names(tuple(month_text), month[rows]),
        "cost_type": names(("hosting", "support", "success"), kind),
        "amount": np.round(amount, 2),
        "currency": names(("USD",), np.zeros(len(rows), dtype=np.int64)),
    }


def _billed_days(first: np.ndarray, days: np.ndarray, window: Window) -> np.ndarray:
    """Days of each month an account is costed for. The month in progress counts whole
    when service runs to the last day of history, as the KPIs cost it (a month's MRR is
    a whole month's), rather than the few days history has reached."""
    last = first + (days - 1) * DAY
    month_end = (first.astype("datetime64[M]") + 1).astype("datetime64[D]") - DAY
    running = last == window.end
    return np.where(running, days_between(month_end, first) + 1, days)
