"""Names that match nothing: settings and data that no rule can refuse, yet would
quietly change a KPI.

A module spelt differently in workflow_events than in subscription_lines, a ticket
category or a service tier named in the configuration that the data never uses: each is
valid on its own, and each makes a figure wrong without an error. The engine asks these
questions after computing and says what it found; nothing here changes a value.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caresight.kpis.group import KpiContext

#: How many unmatched names a notice lists before counting the rest.
_LISTED = 5


def notices(ctx: KpiContext, computed: list[str]) -> list[str]:
    """Sentences naming what matched nothing, for the person who ran the computation;
    only about KPIs that were `computed`."""
    found: list[str] = []
    if "workflow_utilization" in computed:
        found += _unsold_modules(ctx)
    if "support_dependency" in computed:
        found += _unused_categories(ctx)
    if "cost_to_serve" in computed:
        found += _unpriced_tiers(ctx)
    return found


def _names(values: list[str]) -> str:
    shown = ", ".join(repr(v) for v in values[:_LISTED])
    more = f" and {len(values) - _LISTED} more" if len(values) > _LISTED else ""
    return shown + more


def _unsold_modules(ctx: KpiContext) -> list[str]:
    from caresight.kpis import usage

    # The modules come from the usage rollup, so a clean dataset costs no pass over the
    # raw events; only modules found unsold are counted there, to name the rows.
    used = usage.rollups(ctx).workflow_months.select("module").distinct()
    lines = ctx.table("subscription_lines")
    sold = lines.filter(lines.product_category == "module").select(module=lines.product)
    names = used.anti_join(sold.distinct(), "module").execute()["module"].tolist()
    if not names:
        return []
    events = ctx.table("workflow_events")
    events = events.filter(events.module.isin(names))
    unsold = events.group_by("module").aggregate(rows=events.count()).order_by("module")
    unsold = unsold.execute()
    rows = int(unsold["rows"].sum())
    modules = _names(list(unsold["module"]))
    return [
        f"workflow_events: {rows:,} rows name modules no subscription line sells as a "
        f"module ({modules}); workflow utilisation matches events to "
        "paid modules by name, so these never count. Check the spelling against "
        "subscription_lines.product."
    ]


def _unused_categories(ctx: KpiContext) -> list[str]:
    tickets = ctx.table("tickets")
    present = set(tickets.select("category").distinct().execute()["category"])
    configured = ctx.config.adoption.dependency_categories
    unused = [c for c in configured if c not in present]
    if not unused:
        return []
    return [
        f"[adoption] dependency_categories names {_names(unused)}, which no ticket has; "
        f"ticket categories in the data: {_names(sorted(present))}."
    ]


def _unpriced_tiers(ctx: KpiContext) -> list[str]:
    accounts = ctx.table("accounts")
    tiers = set(accounts.select("service_tier").distinct().execute()["service_tier"])
    priced = ctx.config.costs.success_cost_per_tier
    found: list[str] = []
    # A priced tier no account has is often just a tier this provider does not sell; one
    # spelt like a tier the data has is a typo whose cost never applies.
    for tier in sorted(t for t in priced if t not in tiers):
        close = get_close_matches(tier, sorted(tiers), n=1)
        if close:
            found.append(
                f"[costs] success_cost_per_tier prices {tier!r}, which no account has; "
                f"did you mean {close[0]!r}?"
            )
    unpriced = sorted(t for t in tiers if t not in priced)
    if unpriced:
        found.append(
            f"[costs] success_cost_per_tier has no cost for {_names(unpriced)}; those "
            f"accounts get default_success_cost ({ctx.config.costs.default_success_cost:g})."
        )
    return found
