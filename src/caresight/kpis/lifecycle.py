"""Where an account is in its life: when it went live.

An account's go-live is the go-live day of its earliest onboarding project (the one that
kicked off first). An account whose earliest onboarding project has not gone live by
as_of has no go-live yet, and KPIs counted from go-live leave it out rather than count it
as zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from caresight.kpis.group import KpiContext


def go_lives(ctx: KpiContext) -> ir.Table:
    """(account_id, project_id, go_live_on): accounts live by as_of, with the project
    that took them live. Materialised once per computation."""
    import ibis

    cached = ctx.cache.get("go_lives")
    if cached is not None:
        return cached

    projects = ctx.table("implementations")
    onboarding = projects.filter(projects.kind == "onboarding")
    ranked = onboarding.mutate(
        rank=ibis.row_number().over(
            group_by=onboarding.account_id,
            order_by=[onboarding.kickoff_on, onboarding.project_id],
        )
    )
    first = ranked.filter(ranked.rank == 0)
    live = first.filter(first.go_live_on.notnull() & (first.go_live_on <= ctx.as_of))
    table = ctx.materialise("go_lives", live.select("account_id", "project_id", "go_live_on"))
    ctx.cache["go_lives"] = table
    return table
