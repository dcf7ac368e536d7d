"""The causes built into the demo world show up in its files: platform and costs.

Shared pools are cheap per customer but now and then crowded; dedicated environments
cost more and a cohort of them keeps customising; incidents are traced to weak partners'
work; backups, restores, releases and provisioning leave their awkward cases.
"""

from __future__ import annotations

from demo.facts import by_delivery

_TRACED = """
    -- Incidents traced to a customer: the tenant named, or a dedicated environment's own.
    WITH traced AS (
        SELECT i.*, coalesce(i.account_id, a.account_id) AS traced_to
        FROM incidents i JOIN environments e USING (environment_id)
        LEFT JOIN accounts a ON e.deployment_model = 'dedicated'
            AND a.environment_id = i.environment_id
    )
"""


def test_only_dedicated_customers_have_explicit_costs(world):
    models = world.execute("""
        SELECT DISTINCT a.deployment_model FROM account_costs JOIN accounts a USING (account_id)
    """).fetchall()
    (pools_without_cost,) = world.execute("""
        SELECT count(*) FROM environments
        WHERE deployment_model = 'multi_tenant' AND NOT monthly_cost > 0
    """).fetchone()

    assert models == [("dedicated",)]
    assert pools_without_cost == 0


def test_a_multi_tenant_customer_costs_far_less_to_serve_than_a_dedicated_one(world):
    cost = dict(world.execute("""
        SELECT a.deployment_model, avg(c.cost) FROM cost_to_serve c
        JOIN accounts a USING (account_id) WHERE c.month = '2025-05' GROUP BY 1
    """).fetchall())

    assert cost["multi_tenant"] * 3 < cost["dedicated"]


def test_a_cohort_of_dedicated_customers_sees_hosting_climb_while_the_rest_stay_flat(world):
    # Hosting of the second month in service against the last full month, for customers
    # in service 14 months or more, with their MRR on the same two days.
    growth = world.execute("""
        WITH hosting AS (
            SELECT account_id, month, amount,
                   row_number() OVER (PARTITION BY account_id ORDER BY month) AS nth,
                   row_number() OVER (PARTITION BY account_id ORDER BY month DESC) AS back
            FROM account_costs WHERE cost_type = 'hosting'
        ),
        pairs AS (
            SELECT account_id, late.amount / early.amount AS ratio,
                   last_day(strptime(early.month || '-01', '%Y-%m-%d')) AS early_day
            FROM hosting early JOIN hosting late USING (account_id)
            WHERE early.nth = 2 AND late.back = 2 AND late.nth >= 14
        ),
        mrr AS (
            SELECT p.account_id, p.ratio,
                   sum(l.amount / l.billing_period_months) FILTER (
                       WHERE l.start_on <= DATE '2025-05-31'
                         AND coalesce(l.end_on, DATE '2025-05-31') >= DATE '2025-05-31')
                   / sum(l.amount / l.billing_period_months) FILTER (
                       WHERE l.start_on <= p.early_day
                         AND coalesce(l.end_on, p.early_day) >= p.early_day) AS mrr_ratio
            FROM pairs p JOIN subscription_lines l USING (account_id) GROUP BY ALL
        )
        SELECT count(*) FILTER (WHERE ratio >= 1.4),
               avg(mrr_ratio) FILTER (WHERE ratio >= 1.4),
               avg((ratio < 1.2)::INT) FILTER (WHERE ratio < 1.4), count(*)
        FROM mrr
    """).fetchone()
    climbing, climbing_mrr_ratio, share_flat_of_rest, accounts = growth

    assert accounts >= 10
    assert 3 <= climbing <= accounts / 2
    assert climbing_mrr_ratio < 1.2
    assert share_flat_of_rest >= 0.9


def test_noisy_neighbours_are_occasional(world):
    noisy_share, noisy_tenants = world.execute("""
        SELECT avg((cpu_share > 0.25)::INT),
               count(DISTINCT account_id) FILTER (WHERE cpu_share > 0.25)
        FROM tenant_usage
    """).fetchone()

    # 0.25 is the default noisy_neighbor_cpu_share.
    assert 0 < noisy_share < 0.02
    assert noisy_tenants >= 3


def test_shared_pools_take_an_upgrade_together_but_for_a_few_stragglers(world):
    coordinated, late = world.execute("""
        WITH upgraded AS (
            SELECT version, environment_id, min(deployed_at) AS deployed_at
            FROM deployments JOIN environments USING (environment_id)
            WHERE kind = 'upgrade' AND deployment_model = 'multi_tenant' GROUP BY ALL
        ),
        first AS (SELECT version, min(deployed_at) AS first_at FROM upgraded GROUP BY 1)
        SELECT avg((deployed_at <= first_at + INTERVAL 14 DAY)::INT),
               sum((deployed_at > first_at + INTERVAL 14 DAY)::INT)
        FROM upgraded JOIN first USING (version)
    """).fetchone()

    # 14 days is the default upgrade_window_days.
    assert coordinated >= 0.6
    assert late >= 1


def test_dedicated_environments_carry_custom_modules_and_take_longer_to_provision(world):
    stats = {model: (custom, hours) for model, custom, hours in world.execute("""
        SELECT deployment_model, avg(custom_modules),
               median(epoch(ready_at - requested_at) / 3600)
        FROM environments GROUP BY 1
    """).fetchall()}

    assert stats["dedicated"][0] >= 3 > stats["multi_tenant"][0]
    assert stats["dedicated"][1] >= 5 * stats["multi_tenant"][1]


def test_incidents_of_every_cause_owner_and_partner_ones_behind_weak_delivery(world):
    owners = {owner for (owner,) in world.execute(
        "SELECT DISTINCT cause_owner FROM incidents").fetchall()}
    partner_share = by_delivery(world, _TRACED + """
        SELECT delivery, avg((cause_owner = 'partner')::INT)
        FROM traced JOIN delivery ON delivery.account_id = traced.traced_to GROUP BY 1
    """)

    assert owners == {"platform", "partner", "customer", "third_party", "unknown"}
    assert partner_share["weak"] >= 2 * partner_share["strong"]


def test_incidents_overlap_outlast_maintenance_and_some_are_still_open(world):
    overlapping, in_maintenance, ongoing, impacts = world.execute("""
        SELECT
            (SELECT count(*) FROM incidents a JOIN incidents b
                ON a.environment_id = b.environment_id AND a.incident_id < b.incident_id
               AND b.started_at < coalesce(a.resolved_at, TIMESTAMP '9999-01-01')
               AND a.started_at < coalesce(b.resolved_at, TIMESTAMP '9999-01-01')),
            (SELECT count(*) FROM incidents i JOIN maintenance_windows m
                USING (environment_id)
             WHERE i.started_at < m.ends_at AND i.resolved_at > m.ends_at),
            (SELECT count(*) FROM incidents WHERE resolved_at IS NULL),
            (SELECT list(DISTINCT impact ORDER BY impact) FROM incidents)
    """).fetchone()

    assert overlapping >= 5
    assert in_maintenance >= 3
    assert ongoing >= 1
    assert impacts == ["degraded", "none", "outage"]


def test_isolation_breaches_are_rare_and_only_in_shared_pools(world):
    by_model = dict(world.execute("""
        SELECT e.deployment_model, sum(i.isolation_breach::INT)
        FROM incidents i JOIN environments e USING (environment_id) GROUP BY 1
    """).fetchall())
    (incidents,) = world.execute("SELECT count(*) FROM incidents").fetchone()

    assert by_model["dedicated"] == 0
    assert 1 <= by_model["multi_tenant"] <= incidents * 0.05


def test_backups_fail_now_and_then_and_restore_coverage_is_high_but_not_complete(world):
    statuses = dict(world.execute(
        "SELECT status, count(*) FROM backups GROUP BY 1").fetchall())
    (coverage,) = world.execute("""
        WITH serving AS (
            SELECT environment_id FROM environments
            WHERE ready_at <= TIMESTAMP '2025-05-31 23:59:59'
              AND coalesce(retired_at, TIMESTAMP '9999-01-01') > TIMESTAMP '2025-06-01'
        )
        SELECT avg((EXISTS (
            SELECT 1 FROM restore_tests r WHERE r.environment_id = s.environment_id
              AND r.succeeded AND r.tested_at >= TIMESTAMP '2025-06-01' - INTERVAL 90 DAY
              AND r.tested_at < TIMESTAMP '2025-06-01'))::INT)
        FROM serving s
    """).fetchone()

    assert statuses["failed"] >= 10
    assert statuses["missed"] >= 5
    assert statuses["success"] > 50 * (statuses["failed"] + statuses["missed"])
    # 90 days is the default restore_window_days.
    assert 0.7 <= coverage < 1.0


def test_some_deployments_fail_or_roll_back_and_patches_say_when_they_came_out(world):
    outcomes = dict(world.execute(
        "SELECT outcome, count(*) FROM deployments GROUP BY 1").fetchall())
    (patches_without_release_day,) = world.execute(
        "SELECT count(*) FROM deployments WHERE kind = 'patch' AND available_on IS NULL"
    ).fetchone()

    assert outcomes["failed"] >= 10
    assert outcomes["rolled_back"] >= 5
    assert patches_without_release_day == 0


def test_databases_have_a_few_slow_days_and_shared_ones_run_busier(world):
    stats = {model: (slow, cpu) for model, slow, cpu in world.execute("""
        SELECT e.deployment_model, avg((d.p95_query_ms > 500)::INT), avg(d.cpu_utilization)
        FROM db_performance d JOIN environments e USING (environment_id) GROUP BY 1
    """).fetchall()}

    # 500 ms is the default slow_query_ms.
    assert 0 < stats["multi_tenant"][0] < 0.05
    assert 0 < stats["dedicated"][0] < 0.05
    assert stats["multi_tenant"][1] > stats["dedicated"][1] + 0.1
