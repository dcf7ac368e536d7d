"""The causes built into the demo world show up in its files: adoption.

Roles work in their own modules and at their own pace, some modules are paid for and
left aside, and weak delivery leaves accounts that never settle into steady use.
"""

from __future__ import annotations

from demo.facts import by_delivery

#: The last full month of the shared world.
MONTH_START, MONTH_END = "DATE '2025-05-01'", "DATE '2025-05-31'"


def _monthly_active_rate(world, dimension: str) -> dict[str, float]:
    """Users licensed on the last day of May with an event in May / users licensed then."""
    return dict(world.execute(f"""
        WITH licensed AS (
            SELECT * FROM users WHERE licensed_from <= {MONTH_END}
              AND coalesce(licensed_until, {MONTH_END}) >= {MONTH_END}
        ),
        active AS (
            SELECT DISTINCT account_id, user_id FROM workflow_events
            WHERE occurred_at >= {MONTH_START} AND occurred_at < {MONTH_END} + 1
        )
        SELECT l.{dimension}, avg((a.user_id IS NOT NULL)::INT)
        FROM licensed l LEFT JOIN active a USING (account_id, user_id) GROUP BY 1
    """).fetchall())


def test_physicians_are_active_less_often_than_billing_clerks_and_front_desk(world):
    rate = _monthly_active_rate(world, "role")

    assert rate["physician"] <= rate["billing_clerk"] - 0.1
    assert rate["physician"] <= rate["front_desk"] - 0.1


def test_departments_differ_in_how_many_users_are_active(world):
    rate = _monthly_active_rate(world, "department")

    # Finance is mostly billing clerks; radiology mostly physicians.
    assert rate["finance"] >= rate["radiology"] + 0.08


def test_billing_clerks_work_in_billing_and_physicians_hardly_ever(world):
    billing_share = dict(world.execute("""
        SELECT u.role, sum(e.count) FILTER (WHERE e.module IN ('billing', 'finance'))
                       / sum(e.count)
        FROM workflow_events e JOIN users u USING (account_id, user_id) GROUP BY 1
    """).fetchall())

    assert billing_share["billing_clerk"] >= 0.5
    assert billing_share["physician"] <= 0.05


def test_physicians_take_longer_to_get_going_after_go_live(world):
    # Events per licensed user in the first 30 days after go-live, as a share of those
    # in days 180..209: the slower a role ramps up, the lower.
    ramp = dict(world.execute("""
        WITH live AS (
            SELECT account_id, go_live_on FROM implementations
            WHERE kind = 'onboarding' AND go_live_on + 210 <= DATE '2025-06-30'
        ),
        days AS (
            SELECT u.role, e.occurred_at::DATE - l.go_live_on AS day
            FROM workflow_events e JOIN live l USING (account_id)
            JOIN users u USING (account_id, user_id)
        )
        SELECT role, count(*) FILTER (WHERE day < 30)
                     / count(*) FILTER (WHERE day BETWEEN 180 AND 209)
        FROM days GROUP BY 1
    """).fetchall())

    assert ramp["physician"] <= ramp["front_desk"] - 0.05
    assert ramp["physician"] <= ramp["billing_clerk"] - 0.05


def test_inventory_and_reporting_are_paid_for_but_seldom_used(world):
    # Accounts live by May paying for a module at the end of May that had >= 20 events of
    # it in May (the default workflow_event_floor), by module.
    used = dict(world.execute(f"""
        WITH paying AS (
            SELECT DISTINCT account_id, product AS module FROM subscription_lines
            JOIN implementations i USING (account_id)
            WHERE product_category = 'module' AND start_on <= {MONTH_END}
              AND coalesce(end_on, {MONTH_END}) >= {MONTH_END}
              AND i.kind = 'onboarding' AND i.go_live_on < {MONTH_START}
        ),
        events AS (
            SELECT account_id, module, sum(count) AS events FROM workflow_events
            WHERE occurred_at >= {MONTH_START} AND occurred_at < {MONTH_END} + 1
            GROUP BY ALL
        )
        SELECT module, avg((coalesce(events, 0) >= 20)::INT)
        FROM paying LEFT JOIN events USING (account_id, module) GROUP BY 1
    """).fetchall())

    assert used["inventory"] < 0.5
    assert used["reporting"] < 0.5
    assert used["patient_administration"] > 0.75
    assert used["scheduling"] > 0.75


def test_weak_partners_accounts_never_settle_into_steady_use(world):
    # Stable usage needs 4 ISO weeks in a row with >= 60% of licensed users active.
    settled = by_delivery(world, """
        WITH live AS (
            SELECT account_id, go_live_on FROM implementations
            WHERE kind = 'onboarding' AND go_live_on <= DATE '2025-01-01'
        ),
        weeks AS (
            SELECT DISTINCT date_trunc('week', occurred_at)::DATE AS week
            FROM workflow_events WHERE occurred_at < DATE '2025-06-23'
        ),
        grid AS (
            SELECT l.account_id, w.week FROM live l JOIN weeks w ON w.week >= l.go_live_on
        ),
        licensed AS (
            SELECT g.account_id, g.week, count(*) AS users FROM grid g JOIN users u
                ON u.account_id = g.account_id AND u.licensed_from <= g.week + 6
               AND coalesce(u.licensed_until, g.week + 6) >= g.week + 6
            GROUP BY ALL
        ),
        active AS (
            SELECT account_id, date_trunc('week', occurred_at)::DATE AS week,
                   count(DISTINCT user_id) AS active
            FROM workflow_events GROUP BY ALL
        ),
        rated AS (
            SELECT l.account_id, l.week, coalesce(a.active, 0) / l.users >= 0.6 AS good
            FROM licensed l LEFT JOIN active a USING (account_id, week)
        ),
        runs AS (
            SELECT account_id, good, count(*) AS weeks FROM (
                SELECT *, sum((NOT good)::INT) OVER (
                    PARTITION BY account_id ORDER BY week) AS run
                FROM rated
            ) GROUP BY account_id, run, good
        ),
        stable AS (
            SELECT account_id, bool_or(good AND weeks >= 4) AS stable FROM runs GROUP BY 1
        )
        SELECT delivery, avg(stable::INT) FROM stable JOIN delivery USING (account_id)
        GROUP BY 1
    """)

    assert settled["weak"] <= 0.2
    assert settled["strong"] >= 0.8


def test_some_features_never_go_live_and_some_live_ones_go_unused(world):
    never, unused = world.execute("""
        WITH recent AS (
            SELECT DISTINCT account_id, workflow FROM workflow_events
            WHERE occurred_at >= DATE '2025-06-30' - 30
        )
        SELECT sum((f.in_production_on IS NULL)::INT),
               sum((f.in_production_on IS NOT NULL AND r.workflow IS NULL)::INT)
        FROM features f LEFT JOIN recent r USING (account_id, workflow)
        JOIN accounts a USING (account_id)
    """).fetchone()

    assert never >= 50
    assert unused >= 50


def test_some_training_is_finished_after_go_live_and_some_never(world):
    after_go_live, never = world.execute("""
        SELECT sum((t.completed_on > i.go_live_on)::INT),
               sum((t.completed_on IS NULL)::INT)
        FROM training t JOIN implementations i
            ON i.account_id = t.account_id AND i.kind = 'onboarding'
    """).fetchone()

    assert after_go_live >= 100
    assert never >= 100


def test_reviews_are_held_late_or_skipped_and_weak_adopters_sponsors_stay_away(world):
    late, skipped = world.execute("""
        SELECT sum((held_on > due_on + 30)::INT), sum((held_on IS NULL)::INT)
        FROM business_reviews WHERE due_on <= DATE '2025-05-31'
    """).fetchone()
    sponsor = by_delivery(world, """
        SELECT delivery, avg(sponsor_attended::INT) FROM business_reviews
        JOIN delivery USING (account_id) WHERE held_on IS NOT NULL GROUP BY 1
    """)

    assert late >= 30
    assert skipped >= 30
    assert sponsor["weak"] <= sponsor["strong"] - 0.15
