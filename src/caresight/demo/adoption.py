"""Adoption: licensed users, their work in the product, configured features, training
and executive business reviews.

Each account's hidden adoption level sets how many of its users work in the product in
a given week and how many of its modules they touch; adoption ramps up over the weeks
after go-live. Activity is aggregated to one row per user, day and workflow with a
count. A user is active in about one day per week; in big worlds (see `event_density`)
only a share of those days is written, always at least one per active user and month,
with counts scaled up so monthly volumes stay the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from caresight.demo import catalogue as cat
from caresight.demo.book import Book
from caresight.demo.draws import pick_rows
from caresight.demo.labels import join, names, numbered, sequence_within, take
from caresight.demo.revenue import Holdings
from caresight.demo.timeline import (
    NAT,
    Dates,
    Window,
    add_months,
    at_time,
    days_between,
    not_after,
    shift_days,
)

#: Rows of workflow_events a world may hold before days are thinned out.
EVENT_BUDGET = 2_500_000
#: Users whose weeks are expanded at once, to bound memory.
USER_BATCH = 25_000
_FAR = np.iinfo(np.int64).max // 2


@dataclass(frozen=True)
class Users:
    """Licensed users of a chunk, sorted by account and number."""

    account: np.ndarray  # index within the chunk
    period: np.ndarray
    ids: pa.Array
    role: np.ndarray
    department: np.ndarray
    licensed_from: np.ndarray
    licensed_until: np.ndarray  # NaT: still licensed
    engagement: np.ndarray  # hidden: chance of working in a given week, when settled

    def __len__(self) -> int:
        return len(self.account)


def event_density(book: Book, window: Window) -> float:
    """Share of active user-days written: 1 unless the world would exceed the budget."""
    last = np.where(np.isnat(book.end1), window.end, book.end1)
    weeks = np.nan_to_num(days_between(last, book.usage_start1) / 7, nan=0).clip(0)
    expected = float(np.sum(book.users * book.adoption * weeks) * 1.3)
    return min(1.0, EVENT_BUDGET / max(expected, 1.0))



def _cohort(book: Book, share: float, start: np.ndarray, stop: np.ndarray,
            anchor: np.ndarray, period: int, window: Window,
            rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Users of one contract period: most licensed around go-live, some joining later,
    a few leaving early."""
    size = np.where(np.isnat(start), 0, np.round(share * book.users)).astype(np.int64)
    account = np.repeat(np.arange(len(book)), size)
    n = len(account)
    later = sequence_within(account) > np.round(0.8 * size[account])
    last = np.where(np.isnat(stop), window.end, stop)[account]
    anchor = anchor[account]
    joined = shift_days(anchor, np.floor(rng.random(n) * (days_between(last, anchor) + 1)))
    licensed_from = np.where(later, joined, shift_days(anchor, -rng.integers(0, 22, n)))
    licensed_from = np.maximum(licensed_from, start[account])

    leaves = rng.random(n) < 0.12
    leaving = np.where(leaves, shift_days(licensed_from, rng.integers(120, 700, n)), NAT)
    stop = stop[account]
    until = np.select([np.isnat(leaving), np.isnat(stop)], [stop, leaving],
                      np.minimum(leaving, stop))
    until = not_after(until, window.end)
    keep = (licensed_from <= window.end) & (np.isnat(until) | (until >= licensed_from))
    return {"account": account[keep], "period": np.full(int(keep.sum()), period),
            "licensed_from": licensed_from[keep], "licensed_until": until[keep]}


def make_users(book: Book, window: Window, rng: np.random.Generator) -> Users:
    anchor1 = np.where(np.isnat(book.go_live), book.planned_go_live, book.go_live)
    first = _cohort(book, 1.0, book.start1, book.end1, anchor1, 1, window, rng)
    second = _cohort(book, 0.7, book.start2, book.end2, shift_days(book.start2, 7), 2,
                     window, rng)
    both = {k: np.concatenate([first[k], second[k]]) for k in first}
    order = np.lexsort((both["period"], both["licensed_from"], both["account"]))
    both = {k: v[order] for k, v in both.items()}
    account = both["account"]
    n = len(account)

    role = pick_rows(rng, cat.ROLE_MIX[book.ctype[account]])
    department = pick_rows(rng, cat.ROLE_DEPARTMENTS[role])
    adoption = book.adoption[account]
    engagement = rng.beta(6 * adoption, 6 * (1 - adoption)) * cat.ROLE_ACTIVITY[role]
    # Some licensed users never work in the product; poor adoption has many of them, and
    # some roles more than others.
    dormant = rng.random(n) < 0.5 * (1 - adoption) ** 1.5 * cat.ROLE_DORMANCY[role]
    never_live = (both["period"] == 1) & np.isnat(book.go_live[account])
    engagement = np.where(never_live | dormant, 0.0, np.clip(engagement, 0, 0.98))
    return Users(
        account=account, period=both["period"],
        ids=numbered("U", sequence_within(account), 5),
        role=role, department=department, licensed_from=both["licensed_from"],
        licensed_until=both["licensed_until"], engagement=engagement,
    )


def users_table(book: Book, users: Users) -> dict[str, object]:
    return {
        "account_id": take(book.ids, users.account),
        "user_id": users.ids,
        "role": names(cat.ROLES, users.role),
        "department": names(cat.DEPARTMENTS, users.department),
        "licensed_from": users.licensed_from,
        "licensed_until": users.licensed_until,
    }


def _usage_start(book: Book, users: Users) -> np.ndarray:
    return np.where(users.period == 1, book.usage_start1[users.account],
                    book.usage_start2[users.account])


@dataclass(frozen=True)
class Coverage:
    """For every (account, period, product) of a chunk: first and last day paid for."""

    first: np.ndarray  # int days since epoch; _FAR when never held
    last: np.ndarray

    @staticmethod
    def of(holdings: Holdings, accounts: int) -> Coverage:
        products = len(cat.PRODUCTS)
        key = (holdings.account * 2 + holdings.period - 1) * products + holdings.product
        first = np.full(accounts * 2 * products, _FAR)
        last = np.full(accounts * 2 * products, -_FAR)
        np.minimum.at(first, key, holdings.start.astype(np.int64))
        stop = np.where(np.isnat(holdings.stop), _FAR, holdings.stop.astype(np.int64))
        np.maximum.at(last, key, stop)
        return Coverage(first.reshape(accounts * 2, products),
                        last.reshape(accounts * 2, products))

    def covers(self, row: np.ndarray, product: np.ndarray, day: np.ndarray) -> np.ndarray:
        days = day.astype(np.int64)
        return (self.first[row, product] <= days) & (days <= self.last[row, product])


def workflow_events(book: Book, users: Users, holdings: Holdings, window: Window,
                    density: float, rng: np.random.Generator) -> Iterator[dict[str, object]]:
    """Activity rows, yielded in batches of users."""
    coverage = Coverage.of(holdings, len(book))
    modules = np.array(cat.MODULES)
    appeal = _module_appeal(book, coverage, rng)

    for lo in range(0, len(users), USER_BATCH):
        batch = np.arange(lo, min(lo + USER_BATCH, len(users)))
        user, day, count = _active_days(book, users, batch, window, density, rng)
        if len(user) == 0:
            continue
        row = users.account * 2 + users.period - 1
        # Each user's cumulative module weights, once per user rather than per day.
        cumulative = np.cumsum(cat.ROLE_MODULES[users.role[batch]] * appeal[row[batch]], axis=1)
        cumulative = (cumulative / cumulative[:, -1:]).astype(np.float32)
        drawn = rng.random((len(user), 1), dtype=np.float32) > cumulative[user - lo]
        module = modules[np.minimum(drawn.sum(axis=1), len(modules) - 1)]
        module = np.where(coverage.covers(row[user], module, day), module, 0)
        choices = cat.WORKFLOW_COUNT[module]
        first = np.floor(rng.random(len(user)) * choices).astype(np.int64)

        # Some days hold a second workflow of the same module, right after the first.
        second = rng.random(len(user)) < 0.3
        repeat = 1 + second
        shift = 1 + np.floor(rng.random(len(user)) * (choices - 1)).astype(np.int64)
        is_second = np.zeros(int(repeat.sum()), dtype=bool)
        is_second[np.cumsum(repeat)[second] - 1] = True
        user, day, module = (np.repeat(v, repeat) for v in (user, day, module))
        relative = np.repeat(first, repeat) + np.where(is_second, np.repeat(shift, repeat), 0)
        workflow = cat.WORKFLOW_OFFSET[module] + relative % cat.WORKFLOW_COUNT[module]
        count = np.repeat(count, repeat)
        count = np.where(is_second, np.maximum(1, np.round(count * 0.5)), count)

        seconds = rng.uniform(7 * 3600, 19 * 3600, len(user))
        yield {
            "occurred_at": at_time(day.astype("datetime64[D]"), seconds),
            "account_id": take(book.ids, users.account[user]),
            "user_id": take(users.ids, user),
            "module": names(cat.PRODUCT_NAMES, module),
            "workflow": names(cat.WORKFLOW_NAMES, workflow),
            "count": count.astype(np.int64),
        }


def _module_appeal(book: Book, coverage: Coverage, rng: np.random.Generator) -> np.ndarray:
    """How much each (account, period) row works in each module (MODULES order): nothing
    in modules it never pays for, little in those it pays for but never took up. Poorly
    adopted accounts take up fewer modules."""
    modules = np.array(cat.MODULES)
    held = coverage.first[:, modules] < _FAR
    adoption = np.repeat(book.adoption, 2)[:, None]
    take_up = cat.MODULE_TAKE_UP ** (1 + 2 * (1 - adoption))
    taken = rng.random(held.shape) < take_up
    taken[:, 0] = True  # the core module is always in use
    appeal = np.where(taken, 1.0, 0.02) * held
    appeal[:, 0] = np.maximum(appeal[:, 0], 1e-3)  # a fallback for rows holding nothing
    return appeal


def _days(values: Dates) -> np.ndarray:
    """Dates as days since 1970 (int64); NaT becomes a very large or small number."""
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _active_days(book: Book, users: Users, batch: np.ndarray, window: Window,
                 density: float, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user, day as days since 1970, count) of the days users of `batch` worked: at most
    one day a week, mostly on weekdays."""
    usage_start = _usage_start(book, users)[batch]
    active_from = np.maximum(users.licensed_from[batch], usage_start)
    until = users.licensed_until[batch]
    missing = np.isnat(active_from)
    first_day = _days(np.where(missing, window.end, active_from))
    last_day = _days(np.where(np.isnat(until), window.end, until))
    start_day = _days(np.where(missing, window.end, usage_start))

    monday = _days(window.start) - (_days(window.start) - 4) % 7  # 1970-01-05 was a Monday
    first_week = (first_day - monday) // 7
    weeks = np.where(missing, 0, ((last_day - monday) // 7 - first_week + 1).clip(0))
    local = np.repeat(np.arange(len(batch)), weeks)
    step = np.arange(len(local)) - np.repeat(np.cumsum(weeks) - weeks, weeks)

    u = rng.random(len(local), dtype=np.float32)
    weekday = np.where(u < 0.9, u * (5 / 0.9), 5 + (u - 0.9) * 20).astype(np.int64)
    day = monday + (first_week[local] + step) * 7 + weekday
    inside = (day >= first_day[local]) & (day <= last_day[local])
    since = (day - start_day[local]).clip(0).astype(np.float32)
    ramp_days = cat.ROLE_RAMP_DAYS[users.role[batch]].astype(np.float32)[local]
    ramp = 1 - 0.55 * np.exp(-since / ramp_days)
    chance = users.engagement[batch].astype(np.float32)[local] * ramp
    active = inside & (rng.random(len(local), dtype=np.float32) < chance)
    local, day = local[active], day[active]

    count = np.maximum(1, np.round(rng.lognormal(np.log(12), 0.6, len(local))))
    if density < 1:
        local, day, count = _thin(local, day, count, density, rng)
    return batch[local], day, count


def _thin(local: np.ndarray, day: np.ndarray, count: np.ndarray, density: float,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the first active day of every user-month and a share of the others; scale
    counts so each user-month keeps its volume."""
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    key = local.astype(np.int64) * 100_000 + month
    first = np.r_[True, key[1:] != key[:-1]]
    keep = first | (rng.random(len(key), dtype=np.float32) < density)
    starts = np.flatnonzero(first)
    size = np.diff(np.r_[starts, len(key)])
    volume = np.add.reduceat(count, starts)
    kept_volume = np.add.reduceat(np.where(keep, count, 0), starts)
    scale = np.repeat(volume / kept_volume, size)
    return local[keep], day[keep], np.maximum(1, np.round(count * scale))[keep]


def features(book: Book, holdings: Holdings, window: Window,
             rng: np.random.Generator) -> dict[str, object]:
    """Every workflow of every module an account bought in its first contract,
    configured during onboarding (or before an add-on starts) and put into production
    at go-live; weak delivery leaves some configured features never in production."""
    coverage = Coverage.of(holdings, len(book))
    modules = np.array(cat.MODULES)
    first_contract = coverage.first[0::2][:, modules]
    account, column = np.nonzero(first_contract < _FAR)
    module = modules[column]
    since = first_contract[account, column].astype("datetime64[D]")
    account = np.repeat(account, cat.WORKFLOW_COUNT[module])
    since = np.repeat(since, cat.WORKFLOW_COUNT[module])
    workflow = np.repeat(cat.WORKFLOW_OFFSET[module], cat.WORKFLOW_COUNT[module])
    workflow += sequence_within(np.repeat(np.arange(len(module)), cat.WORKFLOW_COUNT[module])) - 1
    module = np.repeat(module, cat.WORKFLOW_COUNT[module])
    n = len(account)

    go_live = book.go_live[account]
    anchor = np.where(np.isnat(go_live), book.planned_go_live[account], go_live)
    kickoff = book.kickoff[account]
    add_on = since > book.start1[account]
    onboarding_day = shift_days(kickoff, rng.uniform(0.3, 0.9, n) * days_between(anchor, kickoff))
    configured = np.where(add_on, shift_days(since, -rng.integers(5, 30, n)), onboarding_day)
    in_production = np.where(add_on, shift_days(since, rng.integers(0, 20, n)),
                             shift_days(go_live, rng.integers(0, 10, n)))
    never = rng.random(n) < 0.35 * (1 - book.quality[account])
    in_production[never] = NAT
    in_production = not_after(in_production, window.end)

    keep = configured <= window.end
    return {
        "account_id": take(book.ids, account[keep]),
        "module": names(cat.PRODUCT_NAMES, module[keep]),
        "workflow": names(cat.WORKFLOW_NAMES, workflow[keep]),
        "configured_on": configured[keep],
        "in_production_on": in_production[keep],
    }


def training(book: Book, users: Users, window: Window,
             rng: np.random.Generator) -> dict[str, object]:
    """A role course for every user, a privacy course for some; strong delivery gets
    users through their courses before go-live."""
    privacy = rng.random(len(users)) < 0.4
    user = np.r_[np.arange(len(users)), np.flatnonzero(privacy)]
    course = np.r_[users.role, np.full(int(privacy.sum()), cat.PRIVACY_COURSE)]
    account = users.account[user]
    quality = book.quality[account]
    n = len(user)

    assigned = shift_days(users.licensed_from[user], -rng.integers(0, 15, n))
    assigned = np.maximum(assigned, book.signed[account])
    completes = rng.random(n) < 0.35 + 0.65 * quality
    completed = shift_days(assigned, rng.exponential(3 + 40 * (1 - quality) ** 1.5, n))
    completed[~completes] = NAT
    completed = not_after(completed, window.end)

    keep = assigned <= window.end
    order = np.lexsort((course[keep], user[keep]))
    return {
        "account_id": take(book.ids, account[keep][order]),
        "user_id": take(users.ids, user[keep][order]),
        "course": names(cat.COURSES, course[keep][order]),
        "assigned_on": assigned[keep][order],
        "completed_on": completed[keep][order],
    }


def business_reviews(book: Book, window: Window,
                     rng: np.random.Generator) -> dict[str, object]:
    """Quarterly reviews from each contract's start; engaged customers hold them on
    time and their sponsors come."""
    parts = []
    for start, stop in ((book.start1, book.end1), (book.start2, book.end2)):
        last = np.where(np.isnat(stop), window.end, np.minimum(stop, window.end))
        quarters = np.nan_to_num(days_between(last, start) // 89 + 1, nan=0).clip(0)
        account = np.repeat(np.arange(len(book)), quarters.astype(np.int64))
        number = sequence_within(account)
        due = add_months(start[account], 3 * number)
        keep = due <= last[account]
        parts.append((account[keep], due[keep], last[account][keep]))
    account = np.concatenate([p[0] for p in parts])
    due = np.concatenate([p[1] for p in parts])
    last = np.concatenate([p[2] for p in parts])
    order = np.lexsort((due, account))
    account, due, last = account[order], due[order], last[order]
    adoption = book.adoption[account]
    n = len(account)

    on_time = rng.random(n) < 0.65
    late_by = np.where(on_time, rng.integers(-10, 11, n), rng.integers(11, 75, n))
    held_on = shift_days(due, late_by)
    held = (rng.random(n) < 0.5 + 0.45 * adoption) & (held_on <= last)
    held_on[~held] = NAT
    sponsor = rng.random(n) < 0.25 + 0.65 * adoption
    return {
        "review_id": join(take(book.ids, account), "-EBR",
                          numbered("", sequence_within(account), 2)),
        "account_id": take(book.ids, account),
        "due_on": due,
        "held_on": held_on,
        "sponsor_attended": pa.array(sponsor, mask=~held),
    }

