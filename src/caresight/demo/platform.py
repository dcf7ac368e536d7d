"""The hosting platform: environments and everything measured on them.

Multi-tenant environments are shared pools per region, filled in signing order; each
dedicated customer gets its own. Dedicated environments accumulate custom modules; a
cohort of them (more often behind weak delivery) adds one every few months, which is
what makes their hosting cost climb while their customers stay and pay the same.
Incidents are traced to the partner that delivered the affected customer the more
often the weaker that partner is. Environment tables are drawn in blocks of
environments, tenant usage in the account chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from caresight.dataset.schema import DEPLOYMENT_MODELS
from caresight.demo import catalogue as cat
from caresight.demo.book import Book
from caresight.demo.labels import join, names, numbered, sequence_within, take
from caresight.demo.timeline import (
    DAY,
    SECONDS_PER_DAY,
    Window,
    after,
    at_time,
    days_between,
    not_after,
    shift_days,
)

TENANTS_PER_ENVIRONMENT = 30
#: Licensed users a shared pool is sized for; a tenant's CPU share is relative to it.
FULL_POOL_USERS = 1200
#: Hosting cost in USD per month: a shared pool costs a base plus per licensed user; a
#: dedicated environment a base by size plus every custom module it carries.
SHARED_BASE_COST = 3000.0
SHARED_COST_PER_USER = 9.0
DEDICATED_BASE_COST = 1400.0
DEDICATED_COST_PER_USER = 6.0
COST_PER_CUSTOM_MODULE = 220.0
#: Custom modules a dedicated environment adds per month: most add one now and then, a
#: cohort keeps customising (its chance rises with the weakness of the delivery).
CUSTOM_GROWTH = (0.02, 0.08)
CUSTOMISING_GROWTH = (0.35, 0.6)
FIRST_VERSION = 17


@dataclass(frozen=True)
class Environments:
    """Every environment of the book (index = position): shared pools first, then one
    per dedicated customer."""

    ids: pa.Array
    dedicated: np.ndarray
    region: np.ndarray
    requested: np.ndarray  # datetime64[s]
    ready: np.ndarray  # datetime64[s]; NaT while provisioning
    retired: np.ndarray  # datetime64[s]; NaT while in service
    base_cost: np.ndarray  # USD per month before custom modules
    custom_start: np.ndarray  # custom modules when it became ready
    custom_growth: np.ndarray  # custom modules added per month
    users: np.ndarray  # licensed users of every tenant it ever had
    tenant_order: np.ndarray  # account indexes sorted by environment
    tenant_offsets: np.ndarray  # where each environment's tenants start in tenant_order

    def __len__(self) -> int:
        return len(self.dedicated)

    def custom_modules(self, env: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Custom modules of environments on days (0 before ready)."""
        ready_day = self.ready[env].astype("datetime64[D]")
        months = np.maximum(days_between(day, ready_day), 0) / 30.4
        months = np.nan_to_num(months)
        grown = self.custom_start[env] + np.floor(self.custom_growth[env] * months)
        return grown.astype(np.int64)

    def monthly_cost(self, env: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Hosting cost in USD of a month, for environments on days."""
        return self.base_cost[env] + COST_PER_CUSTOM_MODULE * self.custom_modules(env, day)

    def last_day(self, window: Window) -> np.ndarray:
        """The last day each environment served: retirement or the end of history."""
        retired = self.retired.astype("datetime64[D]")
        return np.where(np.isnat(retired), window.end, retired)

    def columns(self, window: Window) -> dict[str, object]:
        env = np.arange(len(self))
        last = self.last_day(window)
        return {
            "environment_id": self.ids,
            "deployment_model": names(DEPLOYMENT_MODELS, self.dedicated.astype(np.int64)),
            "region": names(cat.REGIONS, self.region),
            "requested_at": self.requested,
            "ready_at": self.ready,
            "retired_at": self.retired,
            "monthly_cost": np.round(self.monthly_cost(env, last), 2),
            "currency": names(("USD",), np.zeros(len(self), dtype=np.int64)),
            "custom_modules": self.custom_modules(env, last),
        }


def plan_environments(
    book: Book, window: Window, rng: np.random.Generator
) -> tuple[Environments, np.ndarray]:
    """Environments of the whole book, and each account's environment index."""
    n = len(book)
    shared = ~book.dedicated
    order = np.lexsort((np.arange(n), book.signed, book.region))
    order = order[shared[order]]
    region_sorted = book.region[order]
    rank = sequence_within(region_sorted) - 1
    pool = rank // TENANTS_PER_ENVIRONMENT
    pools_per_region = np.zeros(len(cat.REGIONS), dtype=np.int64)
    np.maximum.at(pools_per_region, region_sorted, pool + 1)
    region_offset = np.r_[0, np.cumsum(pools_per_region)[:-1]]

    account_env = np.full(n, -1)
    account_env[order] = region_offset[region_sorted] + pool
    n_shared = int(pools_per_region.sum())
    dedicated_accounts = np.flatnonzero(book.dedicated)
    account_env[dedicated_accounts] = n_shared + np.arange(len(dedicated_accounts))
    n_env = n_shared + len(dedicated_accounts)

    shared_region = np.repeat(np.arange(len(cat.REGIONS)), pools_per_region)
    shared_number = np.arange(n_shared) - region_offset[shared_region] + 1
    shared_ids = join("mt-", names(cat.REGIONS, shared_region), "-",
                      numbered("", shared_number, 2))
    dedicated_ids = join("ded-", take(book.ids, dedicated_accounts))
    ids = pa.concat_arrays([shared_ids.cast(pa.string()), dedicated_ids.cast(pa.string())])

    dedicated = np.r_[np.zeros(n_shared, bool), np.ones(len(dedicated_accounts), bool)]
    region = np.r_[shared_region, book.region[dedicated_accounts]]

    first_signed = np.full(n_env, np.datetime64("2262-01-01", "D"))
    np.minimum.at(first_signed, account_env, book.signed)
    lead = np.where(dedicated, -rng.integers(0, 10, n_env), rng.integers(5, 30, n_env))
    requested_day = np.maximum(shift_days(first_signed, -lead), window.start)
    requested = at_time(requested_day, rng.uniform(8, 18, n_env) * 3600)
    hours = np.where(dedicated, rng.lognormal(np.log(60), 0.6, n_env),
                     rng.lognormal(np.log(6), 0.5, n_env))
    ready = not_after(after(requested, hours), window.end_ts)

    final_end = book.final_end[dedicated_accounts]
    retired = np.full(n_env, np.datetime64("NaT", "s"))
    retire_day = shift_days(final_end, rng.integers(7, 30, len(final_end)))
    retired[n_shared:] = not_after(at_time(retire_day, 12 * 3600), window.end_ts)
    retired = np.where(retired < ready, ready, retired)

    users = np.bincount(account_env, weights=book.users, minlength=n_env)
    weakness = np.ones(n_env)
    weakness[account_env[dedicated_accounts]] = 1 - book.quality[dedicated_accounts]
    base_cost = np.where(dedicated, DEDICATED_BASE_COST + DEDICATED_COST_PER_USER * users,
                         SHARED_BASE_COST + SHARED_COST_PER_USER * users)
    custom_start = np.where(dedicated, rng.poisson(2 + 3 * weakness), 0)
    customising = rng.random(n_env) < 0.15 + 0.6 * weakness
    custom_growth = np.where(customising, rng.uniform(*CUSTOMISING_GROWTH, n_env),
                             rng.uniform(*CUSTOM_GROWTH, n_env))
    custom_growth = np.where(dedicated, custom_growth, 0.0)

    tenant_order = np.argsort(account_env, kind="stable")
    tenant_offsets = np.searchsorted(account_env[tenant_order], np.arange(n_env + 1))
    envs = Environments(
        ids=ids, dedicated=dedicated, region=region, requested=requested, ready=ready,
        retired=retired, base_cost=base_cost, custom_start=custom_start,
        custom_growth=custom_growth, users=users, tenant_order=tenant_order,
        tenant_offsets=tenant_offsets,
    )
    return envs, account_env


def _env_days(envs: Environments, env: np.ndarray, window: Window,
              stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(environment, day) for every day each environment served, ready day excluded."""
    first = shift_days(envs.ready[env].astype("datetime64[D]"), 1)
    last = envs.last_day(window)[env]
    return _expand_days(env, first, last, window, stride)


def _expand_days(owner: np.ndarray, first: np.ndarray, last: np.ndarray, window: Window,
                 stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Every `stride`-th day of history (counted from the window's start) in
    [first, last] of each owner; NaT first means none."""
    first = np.maximum(first, window.start)
    last = np.minimum(last, window.end)
    start_index = np.ceil(days_between(first, window.start) / stride)
    stop_index = np.floor(days_between(last, window.start) / stride)
    count = np.nan_to_num(stop_index - start_index + 1, nan=0).clip(0).astype(np.int64)
    start_index = np.nan_to_num(start_index).astype(np.int64)
    rows = np.repeat(np.arange(len(owner)), count)
    step = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    day_index = (start_index[rows] + step) * stride
    return owner[rows], window.start + day_index.astype("timedelta64[D]")


def backups(envs: Environments, env: np.ndarray, window: Window,
            rng: np.random.Generator) -> dict[str, object]:
    """A nightly backup per environment; a few environments fail far more often."""
    fail = np.where(rng.random(len(envs)) < 0.06, 0.04, 0.003)
    owner, day = _env_days(envs, env, window)
    minute = (np.asarray(owner) * 7) % 50
    u = rng.random(len(owner))
    status = np.select([u < fail[owner], u < fail[owner] + 0.002], [1, 2], 0)
    return {
        "environment_id": take(envs.ids, owner),
        "scheduled_at": at_time(day, 3600 + 60 * minute),
        "status": names(("success", "failed", "missed"), status),
    }


def db_performance(envs: Environments, env: np.ndarray, window: Window,
                   rng: np.random.Generator) -> dict[str, object]:
    """Daily p95 query time and CPU; custom modules and crowded pools slow queries."""
    base_ms = rng.uniform(110, 260, len(envs))
    base_cpu = np.where(envs.dedicated, rng.uniform(0.2, 0.45, len(envs)),
                        rng.uniform(0.45, 0.7, len(envs)))
    owner, day = _env_days(envs, env, window)
    n = len(owner)
    custom = envs.custom_modules(owner, day)
    busy = np.where(_weekday(day) < 5, 1.0, 0.7)
    spike = np.where(rng.random(n) < 0.02, rng.uniform(1.8, 4.0, n), 1.0)
    p95 = base_ms[owner] * (1 + 0.04 * custom) * busy * spike * rng.lognormal(0, 0.15, n)
    cpu = base_cpu[owner] * busy + 0.08 * (spike - 1) + rng.normal(0, 0.04, n)
    return {
        "environment_id": take(envs.ids, owner),
        "date": day,
        "p95_query_ms": np.round(p95, 1),
        "cpu_utilization": np.round(np.clip(cpu, 0.01, 0.99), 3),
    }


def maintenance_windows(envs: Environments, env: np.ndarray, window: Window,
                        rng: np.random.Generator) -> dict[str, object]:
    """Announced downtime on the first Sunday of every month, at night."""
    months = window.month_starts
    owner = np.repeat(env, len(months))
    month = np.tile(months, len(env))
    first_sunday = month + ((6 - _weekday(month)) % 7).astype("timedelta64[D]")
    starts = at_time(first_sunday, rng.uniform(1.5, 3.0, len(owner)) * 3600)
    ends = after(starts, rng.choice([1.0, 2.0, 3.0, 4.0], len(owner)))
    retired = np.where(np.isnat(envs.retired[owner]), window.end_ts, envs.retired[owner])
    keep = (starts > envs.ready[owner]) & (ends <= retired) & (ends <= window.end_ts)
    return {
        "environment_id": take(envs.ids, owner[keep]),
        "starts_at": starts[keep],
        "ends_at": ends[keep],
    }


def _weekday(days: np.ndarray) -> np.ndarray:
    """0 Monday .. 6 Sunday."""
    return ((days - np.datetime64("1970-01-05", "D")) / DAY).astype(np.int64) % 7


def restore_tests(envs: Environments, env: np.ndarray, window: Window,
                  rng: np.random.Generator) -> dict[str, object]:
    """At most one restore test a month: most environments test most months, a few
    laggards rarely, so coverage is high but not complete."""
    months = window.month_starts
    laggard = rng.random(len(envs)) < 0.08
    diligence = np.where(laggard, rng.uniform(0.05, 0.2, len(envs)),
                         rng.uniform(0.6, 0.9, len(envs)))
    owner = np.repeat(env, len(months))
    month = np.tile(months, len(env))
    day = shift_days(month, rng.integers(0, 28, len(owner)))
    tested = at_time(day, rng.uniform(9, 17, len(owner)) * 3600)
    retired = np.where(np.isnat(envs.retired[owner]), window.end_ts, envs.retired[owner])
    keep = (rng.random(len(owner)) < diligence[owner]) & (tested > envs.ready[owner])
    keep &= (tested <= retired) & (tested <= window.end_ts)
    n = int(keep.sum())
    return {
        "environment_id": take(envs.ids, owner[keep]),
        "tested_at": tested[keep],
        "succeeded": rng.random(n) < 0.92,
        "duration_minutes": np.round(rng.lognormal(np.log(75), 0.5, n), 0),
    }


@dataclass(frozen=True)
class ReleaseCalendar:
    """Versions as the platform ships them: yearly upgrades, quarterly releases,
    monthly patches."""

    available: np.ndarray  # datetime64[D]
    kind: np.ndarray  # 0 release, 1 patch, 2 upgrade
    version: pa.Array


def release_calendar(window: Window) -> ReleaseCalendar:
    day = np.arange(window.days)
    upgrade = (day % 365) == 100
    release = ((day % 91) == 30) & ~upgrade
    patch = ((day % 30) == 12) & ~upgrade & ~release
    kind = np.select([release, patch, upgrade], [0, 1, 2], -1)
    day, kind = day[kind >= 0], kind[kind >= 0]

    major = FIRST_VERSION + np.cumsum(kind == 2)
    minor = _count_since_reset(kind == 0, kind == 2)
    patch_no = _count_since_reset(kind == 1, kind != 1)
    version = join(
        pa.array(major).cast(pa.string()), ".", pa.array(minor).cast(pa.string()), ".",
        pa.array(patch_no).cast(pa.string()),
    )
    return ReleaseCalendar(window.start + day.astype("timedelta64[D]"), kind, version)


def _count_since_reset(counted: np.ndarray, reset: np.ndarray) -> np.ndarray:
    """Running count of `counted` entries since the latest `reset` entry."""
    total = np.cumsum(counted)
    at_reset = np.where(reset, total, 0)
    return total - np.maximum.accumulate(at_reset)


def deployments(envs: Environments, env: np.ndarray, calendar: ReleaseCalendar,
                window: Window, rng: np.random.Generator) -> dict[str, object]:
    """Each version reaches every environment: shared pools within days of each other,
    dedicated environments when their owners find a slot. Some attempts fail or are
    rolled back and are retried a few days later."""
    owner = np.repeat(env, len(calendar.kind))
    item = np.tile(np.arange(len(calendar.kind)), len(env))
    kind = calendar.kind[item]
    n = len(owner)
    dedicated = envs.dedicated[owner]
    # A shared pool now and then takes a release, and more often an upgrade, weeks late.
    straggler = rng.random(n) < np.where(kind == 2, 0.2, 0.1)
    shared_lag = np.select(
        [kind == 1, straggler], [rng.exponential(2, n), rng.uniform(15, 30, n)],
        rng.uniform(0, 8, n),
    )
    dedicated_lag = np.select(
        [kind == 1, kind == 0], [1 + rng.exponential(10, n), rng.uniform(3, 45, n)],
        rng.uniform(10, 120, n),
    )
    lag_days = np.where(dedicated, dedicated_lag, shared_lag)
    deployed = at_time(calendar.available[item], lag_days * SECONDS_PER_DAY + 22 * 3600)

    custom = envs.custom_modules(owner, deployed.astype("datetime64[D]"))
    u = rng.random(n)
    p_fail = 0.025 + 0.004 * custom
    outcome = np.select([u < p_fail, u < p_fail + 0.02], [1, 2], 0)
    retry = outcome > 0
    owner = np.r_[owner, owner[retry]]
    item = np.r_[item, item[retry]]
    deployed = np.r_[deployed, after(deployed[retry], rng.uniform(24, 72, int(retry.sum())))]
    outcome = np.r_[outcome, np.zeros(int(retry.sum()), dtype=np.int64)]

    retired = np.where(np.isnat(envs.retired[owner]), window.end_ts, envs.retired[owner])
    keep = (deployed > envs.ready[owner]) & (deployed <= retired)
    keep &= deployed <= window.end_ts
    order = np.lexsort((deployed[keep], owner[keep]))
    owner, item = owner[keep][order], item[keep][order]
    deployed, outcome = deployed[keep][order], outcome[keep][order]
    env_ids = take(envs.ids, owner)
    return {
        "deployment_id": join(env_ids, "-D", numbered("", sequence_within(owner), 4)),
        "environment_id": env_ids,
        "deployed_at": deployed,
        "kind": names(("release", "patch", "upgrade"), calendar.kind[item]),
        "version": take(calendar.version, item),
        "outcome": names(("success", "failed", "rolled_back"), outcome),
        "available_on": calendar.available[item],
    }


def incidents(envs: Environments, env: np.ndarray, book: Book, window: Window,
              rng: np.random.Generator) -> dict[str, object]:
    """Incidents per environment-month; shared pools see more, custom modules add
    some. A few overlap, a few start in a maintenance window (on the first Sunday of
    the month, at night) and outlast it, a few are still open at the end."""
    months = window.month_starts
    env_month_owner = np.repeat(env, len(months))
    env_month = np.tile(months, len(env))
    custom = envs.custom_modules(env_month_owner, env_month)
    rate = np.where(envs.dedicated[env_month_owner], 0.15 + 0.015 * custom, 0.45)
    count = rng.poisson(rate)
    owner, month = np.repeat(env_month_owner, count), np.repeat(env_month, count)
    month_days = ((month.astype("datetime64[M]") + 1).astype("datetime64[D]") - month) / DAY
    started = at_time(month, rng.random(len(owner)) * month_days * SECONDS_PER_DAY)
    follow = rng.random(len(owner)) < 0.06
    started = np.r_[started, after(started[follow], rng.uniform(0.2, 2, int(follow.sum())))]
    owner = np.r_[owner, owner[follow]]
    botched = rng.random(len(env_month)) < 0.01
    sunday = env_month[botched] + ((6 - _weekday(env_month[botched])) % 7) * DAY
    started = np.r_[started, at_time(sunday, rng.uniform(3.0, 3.5, len(sunday)) * 3600)]
    owner = np.r_[owner, env_month_owner[botched]]

    retired = np.where(np.isnat(envs.retired[owner]), window.end_ts, envs.retired[owner])
    keep = (started > envs.ready[owner]) & (started <= retired) & (started <= window.end_ts)
    order = np.lexsort((started[keep], owner[keep]))
    owner, started = owner[keep][order], started[keep][order]
    n = len(owner)

    severity = rng.choice(4, n, p=[0.08, 0.25, 0.42, 0.25])
    u = rng.random(n)
    p_outage = np.array([0.8, 0.4, 0.1, 0.0])[severity]
    p_degraded = np.array([0.2, 0.55, 0.7, 0.4])[severity]
    impact = np.select([u < p_outage, u < p_outage + p_degraded], [0, 1], 2)
    hours = rng.lognormal(np.log(np.where(impact == 0, 1.5, 3.0)), 0.9, n)
    ack_minutes = rng.lognormal(np.log(np.array([6, 12, 30, 90])[severity]), 0.6, n)
    acknowledged = not_after(after(started, ack_minutes / 60), window.end_ts)
    resolved = not_after(after(started, np.maximum(hours, ack_minutes / 60)), window.end_ts)
    # Investigations of the last days are partly still open.
    recent = started > window.end_ts - np.timedelta64(10, "D")
    resolved[recent & (rng.random(n) < 0.4)] = np.datetime64("NaT")

    account = _affected_tenant(envs, owner, started, book, rng)
    cause = _draw_cause(rng, _partner_share(envs, owner, started, account, book))
    breach = (~envs.dedicated[owner]) & (account >= 0) & (rng.random(n) < 0.12)
    return {
        "incident_id": join(take(envs.ids, owner), "-I", numbered("", sequence_within(owner), 4)),
        "environment_id": take(envs.ids, owner),
        "account_id": take(book.ids, account),
        "started_at": started,
        "acknowledged_at": acknowledged,
        "resolved_at": resolved,
        "severity": names(cat.SEVERITIES, severity),
        "impact": names(("outage", "degraded", "none"), impact),
        "cause_owner": names(cat.CAUSE_OWNERS, cause),
        "isolation_breach": breach,
    }


def _partner_share(envs: Environments, env: np.ndarray, when: np.ndarray,
                   account: np.ndarray, book: Book) -> np.ndarray:
    """Chance that the partner caused an incident: its delivery's weakness when the
    incident can be traced to a customer it delivered (the tenant named, or a dedicated
    environment's only customer), a little more for every custom module it built."""
    only_tenant = envs.tenant_order[np.minimum(envs.tenant_offsets[env],
                                               len(envs.tenant_order) - 1)]
    traced = np.where(envs.dedicated[env], only_tenant, account)
    known = np.maximum(traced, 0)
    by_partner = (traced >= 0) & (book.delivery[known] >= 0)
    weakness = 1 - book.quality[known]
    custom = envs.custom_modules(env, when.astype("datetime64[D]"))
    share = 0.02 + 0.7 * weakness**1.5 + np.where(envs.dedicated[env], 0.01 * custom, 0.0)
    return np.where(by_partner, np.minimum(share, 0.6), 0.01)


def _draw_cause(rng: np.random.Generator, partner_share: np.ndarray) -> np.ndarray:
    """platform, partner, customer, third_party or unknown."""
    rest = 1 - partner_share
    cumulative = np.stack([0.62 * rest, 0.62 * rest + partner_share,
                           0.72 * rest + partner_share, 0.95 * rest + partner_share], axis=1)
    return (rng.random((len(partner_share), 1)) > cumulative).sum(axis=1)


def _affected_tenant(envs: Environments, env: np.ndarray, when: np.ndarray, book: Book,
                     rng: np.random.Generator) -> np.ndarray:
    """For some incidents, one tenant of the environment in service at the time (global
    account index), else -1."""
    first, stop = envs.tenant_offsets[env], envs.tenant_offsets[env + 1]
    pick = first + np.floor(rng.random(len(env)) * (stop - first)).astype(np.int64)
    account = envs.tenant_order[np.minimum(pick, len(envs.tenant_order) - 1)]
    day = when.astype("datetime64[D]")
    final_end = book.final_end[account]
    in_service = (book.start1[account] <= day) & (np.isnat(final_end) | (day <= final_end))
    named = rng.random(len(env)) < np.where(envs.dedicated[env], 0.3, 0.25)
    return np.where(named & in_service & (stop > first), account, -1)


def tenant_usage(book: Book, envs: Environments, window: Window, stride: int,
                 rng: np.random.Generator) -> dict[str, object]:
    """Daily CPU share of each tenant of a shared environment (every `stride`-th day in
    big worlds). Shares follow licensed users; a few tenants spike now and then."""
    shared = np.flatnonzero(~book.dedicated)
    local = np.r_[shared, shared]
    first = np.r_[book.start1[shared], book.start2[shared]]
    last = np.r_[book.end1[shared], book.end2[shared]]
    last = np.where(np.isnat(last), window.end, last)
    env = book.environment[local]
    first = np.maximum(first, shift_days(envs.ready[env].astype("datetime64[D]"), 1))
    owner, day = _expand_days(local, first, last, window, stride)

    noisy = rng.random(len(book)) < 0.08
    # A pool not yet full still has its full capacity.
    capacity = np.maximum(envs.users[book.environment.clip(0)], FULL_POOL_USERS)
    weight = 0.9 * book.users / capacity
    n = len(owner)
    spike = np.where(noisy[owner] & (rng.random(n) < 0.08), rng.uniform(2.5, 5, n), 1.0)
    share = weight[owner] * spike * rng.lognormal(0, 0.2, n)
    order = np.lexsort((day, owner))
    owner, day, share = owner[order], day[order], share[order]
    return {
        "environment_id": take(envs.ids, book.environment[owner]),
        "account_id": take(book.ids, owner),
        "date": day,
        "cpu_share": np.round(np.clip(share, 0.0001, 1.0), 4),
    }


def expected_tenant_days(book: Book, window: Window) -> int:
    """Tenant-days of shared environments in history, to size tenant_usage."""
    shared = ~book.dedicated
    total = 0.0
    for first, last in ((book.start1, book.end1), (book.start2, book.end2)):
        last = np.where(np.isnat(last), window.end, last)
        days = np.nan_to_num(days_between(last, first) + 1, nan=0).clip(0)
        total += float(days[shared].sum())
    return int(total)

