"""The causes built into the demo world show up in its files: delivery and revenue.

A moderate world is written once (see facts.py); every test groups its accounts by what
the data does not show (the hidden quality and discount of their partners) and checks
with DuckDB that the effects are there.
"""

from __future__ import annotations

from demo.facts import by_delivery as _by_delivery


def test_there_are_enough_accounts_of_weak_and_strong_partners(world):
    counts = _by_delivery(world, "SELECT delivery, count(*) FROM delivery GROUP BY 1")
    assert counts["weak"] >= 60
    assert counts["strong"] >= 60


def test_weak_partners_go_live_later(world):
    delay = _by_delivery(world, """
        SELECT delivery, median(go_live_on - planned_go_live_on)
        FROM implementations JOIN delivery USING (account_id)
        WHERE kind = 'onboarding' AND go_live_on IS NOT NULL GROUP BY 1
    """)
    assert delay["weak"] >= delay["strong"] + 20


def test_every_delivery_partner_and_the_platform_team_take_projects_live(world):
    live = dict(world.execute("""
        SELECT coalesce(delivery_partner_id, 'platform'), count(go_live_on)
        FROM implementations WHERE kind = 'onboarding' GROUP BY 1
    """).fetchall())
    (implementers,) = world.execute(
        "SELECT count(*) FROM partners WHERE partner_type IN "
        "('implementation', 'white_label', 'oem')"
    ).fetchone()

    # Implementation partners deliver; white-label and OEM partners deliver their own.
    assert len(live) == implementers + 1
    assert min(live.values()) >= 10
    assert live["platform"] >= 60


def test_weak_partners_miss_milestones_some_done_late_some_still_open(world):
    adherence = _by_delivery(world, """
        SELECT delivery, avg((m.completed_on <= m.planned_on + 3)::INT)
        FROM milestones m JOIN implementations USING (project_id)
        JOIN delivery USING (account_id) GROUP BY 1
    """)
    late, open_past_plan = world.execute("""
        SELECT sum((completed_on > planned_on + 3)::INT),
               sum((completed_on IS NULL AND planned_on + 3 < DATE '2025-06-30')::INT)
        FROM milestones
    """).fetchone()

    # 3 days is the default milestone tolerance.
    assert adherence["weak"] < 0.4 < 0.6 < adherence["strong"]
    assert late >= 100
    assert open_past_plan >= 10


def test_weak_partners_migrate_data_the_customer_rejects(world):
    acceptance = _by_delivery(world, """
        SELECT delivery, sum(records_accepted) / sum(records_submitted)
        FROM data_migrations JOIN implementations USING (project_id)
        JOIN delivery USING (account_id) GROUP BY 1
    """)
    first_pass = _by_delivery(world, """
        SELECT delivery, avg((records_accepted = records_submitted)::INT)
        FROM data_migrations JOIN implementations USING (project_id)
        JOIN delivery USING (account_id) GROUP BY 1
    """)
    # The go-live gate asks for 98% of records accepted.
    assert acceptance["weak"] < 0.98 <= acceptance["strong"]
    assert first_pass["weak"] < first_pass["strong"] / 2


def test_weak_partners_finish_required_integrations_after_go_live(world):
    ready = _by_delivery(world, """
        SELECT delivery, avg((n.ready_on IS NOT NULL AND n.ready_on <= i.go_live_on)::INT)
        FROM integrations n JOIN implementations i USING (project_id)
        JOIN delivery USING (account_id)
        WHERE n.required_for_go_live AND i.go_live_on IS NOT NULL GROUP BY 1
    """)
    assert ready["weak"] < ready["strong"] - 0.2


def test_weak_partners_leave_more_tickets_in_the_first_90_days(world):
    per_ten_users = _by_delivery(world, """
        WITH live AS (
            SELECT account_id, go_live_on FROM implementations
            WHERE kind = 'onboarding' AND go_live_on + 90 <= DATE '2025-06-30'
        ),
        opened AS (
            SELECT l.account_id, count(t.ticket_id) AS tickets
            FROM live l LEFT JOIN tickets t ON t.account_id = l.account_id
                AND t.opened_at >= l.go_live_on AND t.opened_at < l.go_live_on + 90
            GROUP BY 1
        ),
        licensed AS (
            SELECT l.account_id, count(*) AS users FROM live l JOIN users u
                ON u.account_id = l.account_id AND u.licensed_from <= l.go_live_on
            GROUP BY 1
        )
        SELECT delivery, 10 * sum(tickets) / sum(users)
        FROM opened JOIN licensed USING (account_id) JOIN delivery USING (account_id)
        GROUP BY 1
    """)
    assert per_ten_users["weak"] >= 2 * per_ten_users["strong"]


def test_weak_partners_accounts_adopt_less(world):
    active_rate = _by_delivery(world, """
        WITH licensed AS (
            SELECT account_id, user_id FROM users
            WHERE licensed_from <= DATE '2025-06-01'
              AND coalesce(licensed_until, DATE '2025-06-30') >= DATE '2025-06-30'
        ),
        active AS (
            SELECT DISTINCT account_id, user_id FROM workflow_events
            WHERE occurred_at >= DATE '2025-06-01'
        )
        SELECT delivery, avg((a.user_id IS NOT NULL)::INT)
        FROM licensed l JOIN delivery USING (account_id)
        LEFT JOIN active a USING (account_id, user_id) GROUP BY 1
    """)
    assert active_rate["weak"] < active_rate["strong"] - 0.15


def test_weak_partners_lose_more_customers(world):
    churn_share = _by_delivery(world, """
        SELECT delivery, avg(churned::INT) FROM (
            SELECT account_id, bool_or(outcome = 'churned') AS churned FROM renewals
            WHERE outcome <> 'open' GROUP BY 1
        ) JOIN delivery USING (account_id) GROUP BY 1
    """)
    assert churn_share["weak"] >= churn_share["strong"] + 0.1


def test_dedicated_customers_stay(world):
    retention = dict(world.execute("""
        -- least() skips NULLs, so a churned renewal is counted as 0 explicitly.
        SELECT a.deployment_model,
               sum(CASE WHEN r.outcome = 'renewed' THEN least(r.renewed_arr, r.arr_due)
                        ELSE 0 END) / sum(r.arr_due)
        FROM renewals r JOIN accounts a USING (account_id)
        WHERE r.outcome <> 'open' GROUP BY 1
    """).fetchall())
    assert retention["dedicated"] >= 0.9
    assert retention["dedicated"] > retention["multi_tenant"]


def test_deep_partner_discounts_leave_thin_margins(world):
    ratio = dict(world.execute("""
        WITH mrr AS (
            SELECT account_id, sum(amount / billing_period_months) AS mrr
            FROM subscription_lines
            WHERE start_on <= DATE '2025-06-30'
              AND coalesce(end_on, DATE '2025-06-30') >= DATE '2025-06-30'
              AND currency = 'USD'
            GROUP BY 1
        ),
        cost AS (
            SELECT account_id, cost FROM cost_to_serve WHERE month = '2025-06'
        )
        SELECT p.discount > 0.3 AS underpriced, sum(mrr) / sum(cost)
        FROM mrr JOIN cost USING (account_id) JOIN accounts a USING (account_id)
        JOIN profile p ON p.partner_id = a.partner_id GROUP BY 1
    """).fetchall())
    # 1.5 is the default floor of pricing_sustainability.
    assert ratio[True] < 1.5 < ratio[False]


def test_renewal_forecasts_at_risk_churn_more_often_than_committed_ones(world):
    churn = dict(world.execute("""
        WITH latest AS (
            SELECT f.renewal_id, arg_max(f.category, f.as_of) AS category
            FROM renewal_forecasts f JOIN renewals r USING (renewal_id)
            WHERE f.as_of <= r.due_on - 90 AND r.outcome <> 'open' GROUP BY 1
        )
        SELECT category IN ('at_risk', 'lost') AS warned, avg((outcome = 'churned')::INT)
        FROM latest JOIN renewals USING (renewal_id) GROUP BY 1
    """).fetchall())
    assert churn[True] > churn[False] + 0.2
    assert churn[False] > 0  # informative, not perfect


def test_some_customers_come_back_after_churning(world):
    (comebacks,) = world.execute("""
        SELECT count(DISTINCT r.account_id) FROM renewals r JOIN subscription_lines l
            ON l.account_id = r.account_id AND l.start_on > r.due_on
        WHERE r.outcome = 'churned'
    """).fetchone()
    assert comebacks >= 1


def test_lines_change_price_contract_and_expand(world):
    changes = dict(world.execute("""
        SELECT kind, count(*) FROM (
            SELECT CASE
                WHEN r.outcome = 'renewed' AND r.renewed_arr > r.arr_due THEN 'uplift'
                WHEN r.outcome = 'renewed' AND r.renewed_arr < r.arr_due THEN 'downgrade'
            END AS kind
            FROM renewals r
        ) WHERE kind IS NOT NULL GROUP BY 1
    """).fetchall())
    (expansions,) = world.execute("""
        SELECT count(*) FROM subscription_lines l JOIN accounts a USING (account_id)
        WHERE l.product_category IN ('hosting', 'support', 'compliance', 'module')
          AND l.start_on > a.contract_signed_on + 60
    """).fetchone()
    assert changes["uplift"] >= 5
    assert changes["downgrade"] >= 5
    assert expansions >= 20
