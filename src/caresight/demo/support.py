"""Support: tickets opened by end customers, handled by the platform or the partner.

Every account raises a steady trickle of tickets that grows as adoption falls short;
go-live adds a burst in the first 90 days whose size is set by the delivery partner's
quality, and whose configuration, data and integration tickets the partner caused.
Partners that run first-line support answer as fast as their quality allows.
"""

from __future__ import annotations

import numpy as np

from caresight.demo import catalogue as cat
from caresight.demo.book import PLATFORM_QUALITY, Book, Partners, service_months
from caresight.demo.draws import pick_rows
from caresight.demo.labels import join, names, numbered, sequence_within, take
from caresight.demo.timeline import (
    Window,
    after,
    at_time,
    month_index,
    not_after,
    shift_days,
)

#: Tickets per licensed user and month for a well-adopted account.
STEADY_RATE = 0.02
#: Tickets per licensed user in the 90 days after go-live: a floor plus what weak
#: delivery adds.
LAUNCH_RATE = 0.04
LAUNCH_WEAKNESS_RATE = 0.55
#: Hours to resolve a ticket of each severity, for a strong handler.
RESOLUTION_HOURS = np.array([4.0, 12.0, 30.0, 60.0])
ESCALATION_CHANCE = np.array([0.6, 0.3, 0.08, 0.02])

#: Whose failure caused a ticket, by category (rows in TICKET_CATEGORIES order) as
#: platform, partner, customer, third_party, unknown; the partner column only applies
#: when a partner delivered the account, else it falls to the platform.
_CAUSES = np.array([
    [0.05, 0.10, 0.80, 0.00, 0.05],  # how_to
    [0.20, 0.45, 0.30, 0.00, 0.05],  # configuration
    [0.80, 0.05, 0.00, 0.10, 0.05],  # defect
    [0.15, 0.40, 0.40, 0.00, 0.05],  # data
    [0.20, 0.30, 0.00, 0.45, 0.05],  # integration
    [0.10, 0.05, 0.80, 0.00, 0.05],  # access
    [0.70, 0.05, 0.00, 0.20, 0.05],  # outage
])


def _open_times(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mostly office hours, some at any time."""
    office = rng.random(len(day)) < 0.8
    hour = np.where(office, rng.uniform(8, 18, len(day)), rng.uniform(0, 24, len(day)))
    return at_time(day, hour * 3600)


def tickets(book: Book, partners: Partners, window: Window,
            rng: np.random.Generator) -> tuple[dict[str, object], np.ndarray]:
    """Ticket rows, and tickets per (account, month of history) for support costs."""
    account, _, first, days = service_months(book, window)
    live = book.go_live[account]
    before_live = np.isnat(live) | (first < live)
    rate = STEADY_RATE * book.users[account] * (1 + 0.8 * (1 - book.adoption[account]))
    expected = np.where(before_live, 0.3, 1.0) * rate * days / 30.4
    count = rng.poisson(expected)
    steady_account = np.repeat(account, count)
    steady_day = shift_days(np.repeat(first, count),
                            np.floor(rng.random(int(count.sum())) * np.repeat(days, count)))

    launched = ~np.isnat(book.go_live) & (book.go_live <= window.end)
    weakness = 1 - book.quality
    burst = rng.poisson(np.where(launched, book.users * (
        LAUNCH_RATE + LAUNCH_WEAKNESS_RATE * weakness**2), 0))
    launch_account = np.repeat(np.arange(len(book)), burst)
    launch_day = shift_days(book.go_live[launch_account],
                            np.floor(rng.random(len(launch_account)) ** 1.5 * 90))
    last = np.where(np.isnat(book.end1), window.end, book.end1)[launch_account]
    in_service = launch_day <= last
    launch_account, launch_day = launch_account[in_service], launch_day[in_service]

    account = np.r_[steady_account, launch_account]
    opened = _open_times(np.r_[steady_day, launch_day], rng)
    launch = np.r_[np.zeros(len(steady_account), bool), np.ones(len(launch_account), bool)]
    order = np.lexsort((opened, account))
    account, opened, launch = account[order], opened[order], launch[order]
    columns = _ticket_columns(book, partners, account, opened, launch, window, rng)

    per_month = np.zeros((len(book), window.months), dtype=np.int64)
    np.add.at(per_month, (account, month_index(opened.astype("datetime64[D]"), window)), 1)
    return columns, per_month


def _ticket_columns(book: Book, partners: Partners, account: np.ndarray, opened: np.ndarray,
                    launch: np.ndarray, window: Window,
                    rng: np.random.Generator) -> dict[str, object]:
    n = len(account)
    mix = np.where(launch[:, None], cat.TICKET_MIX_LAUNCH, cat.TICKET_MIX_STEADY)
    category = pick_rows(rng, mix)
    severity = rng.choice(4, n, p=[0.02, 0.10, 0.48, 0.40])
    outage = category == cat.TICKET_CATEGORIES.index("outage")
    severity = np.where(outage, rng.integers(0, 2, n), severity)

    cause_mix = _CAUSES[category].copy()
    by_partner = book.delivery[account] >= 0
    partner_weight = np.where(launch, 1.5, 1.0) * (0.5 + (1 - book.quality[account]))
    cause_mix[:, 1] *= np.where(by_partner, partner_weight, 0.0)
    cause_mix[:, 0] += np.where(by_partner, 0.0, _CAUSES[category][:, 1])
    cause = pick_rows(rng, cause_mix)

    partner = book.partner[account]
    partner_runs = (partner >= 0) & partners.handles_support[np.maximum(partner, 0)]
    handler_quality = np.where(partner_runs, partners.quality[np.maximum(partner, 0)],
                               PLATFORM_QUALITY + 0.07)
    handled_by = take(partners.ids, np.where(partner_runs, partner, -1))
    handled_by = handled_by.fill_null("platform")

    slowness = 1 - handler_quality
    response_hours = cat.RESPONSE_TARGET_HOURS[severity] * rng.lognormal(
        np.log(0.3 + 1.3 * slowness), 0.7, n)
    resolve_hours = np.maximum(
        RESOLUTION_HOURS[severity] * (1 + 1.2 * slowness) * rng.lognormal(0, 0.9, n),
        response_hours + 0.1,
    )
    first_response = not_after(after(opened, response_hours), window.end_ts)
    resolved = not_after(after(opened, resolve_hours), window.end_ts)
    resolved[rng.random(n) < 0.005] = np.datetime64("NaT")
    escalates = rng.random(n) < ESCALATION_CHANCE[severity] + 0.15 * slowness
    escalated = after(opened, response_hours + rng.uniform(0.1, 0.6, n) *
                      (resolve_hours - response_hours))
    escalated = not_after(np.where(escalates, escalated, np.datetime64("NaT")),
                          window.end_ts)

    handoffs = np.where(partner_runs, rng.poisson(0.3 + 1.0 * slowness, n) + escalates, 0)
    returned = rng.binomial(handoffs, 0.1 + 0.5 * slowness)
    reopened = rng.poisson(0.05 + 0.3 * (1 - book.quality[account]), n)

    account_ids = take(book.ids, account)
    return {
        "ticket_id": join(account_ids, "-T", numbered("", sequence_within(account), 5)),
        "account_id": account_ids,
        "opened_at": opened,
        "first_response_at": first_response,
        "resolved_at": resolved,
        "severity": names(cat.SEVERITIES, severity),
        "category": names(cat.TICKET_CATEGORIES, category),
        "cause_owner": names(cat.CAUSE_OWNERS, cause),
        "handled_by": handled_by,
        "escalated_at": escalated,
        "reopened": reopened,
        "handoffs": handoffs,
        "handoffs_returned": returned,
    }


