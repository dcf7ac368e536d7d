"""Revenue: FX rates, subscription lines, renewals and renewal forecasts.

An account buys modules (and, if dedicated, its hosting) when its contract starts,
adds products as it adopts, and at every anniversary renews flat, with a price uplift
or cut (a new line each time), drops a module, or leaves. A customer that comes back
starts a fresh contract with fresh lines. Churn and downgrades happen only at
anniversaries (a contract is never cut short), and a customer comes back at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from caresight.demo import catalogue as cat
from caresight.demo.book import Book, RenewalPlan, churn_chance
from caresight.demo.labels import join, names, numbered, sequence_within, take
from caresight.demo.timeline import DAY, NAT, Window, days_between, shift_days

#: Expansions per month for a fully adopted account; poor adoption buys far less.
EXPANSION_RATE = 0.08
MAX_EXPANSIONS = 4
#: Days between the forecast snapshots and the renewal's due date.
FORECAST_LEADS = np.array([180, 120, 90, 60, 30])
CORE_MODULE = 0


def fx_rates(window: Window, rng: np.random.Generator) -> dict[str, object]:
    """Monthly USD rates of every other currency: a random walk, so swings happen."""
    months = window.month_starts.astype("datetime64[M]").astype(str)
    currencies, rates = [], []
    for code, start in cat.FX_START.items():
        steps = rng.normal(0, 0.018, len(months))
        steps[0] = 0.0
        rates.append(np.round(start * np.exp(np.cumsum(steps)), 4))
        currencies.append(np.full(len(months), code))
    return {
        "currency": np.concatenate(currencies),
        "month": np.tile(months, len(cat.FX_START)),
        "rate": np.concatenate(rates),
    }


@dataclass
class Holdings:
    """What each account of a chunk pays for, as segments of constant price.

    `account` is the index within the chunk; `stop` is the last day (NaT: open).
    """

    account: np.ndarray
    period: np.ndarray
    product: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    monthly: np.ndarray  # recurring price per month in the account's currency
    expansion: np.ndarray  # bought after the contract started

    def select(self, mask: np.ndarray) -> Holdings:
        return Holdings(**{k: v[mask] for k, v in vars(self).items()})

    def extend(self, other: Holdings) -> Holdings:
        return Holdings(**{k: np.concatenate([v, getattr(other, k)])
                           for k, v in vars(self).items()})

    def active_on(self, day: np.ndarray) -> np.ndarray:
        """Segments in service on a day given per segment."""
        return (self.start <= day) & (np.isnat(self.stop) | (self.stop >= day))


def _list_price(book: Book, product: np.ndarray, rng: np.random.Generator,
                account: np.ndarray) -> np.ndarray:
    """Monthly price in the account's currency after the deal's discount."""
    per_user = np.array([p.per_user for p in cat.PRODUCTS])[product]
    minimum = np.array([p.minimum for p in cat.PRODUCTS])[product]
    usd = np.maximum(minimum, per_user * book.users[account])
    usd *= (1 - book.discount[account]) * rng.uniform(0.95, 1.05, len(account))
    return np.round(usd / cat.LIST_RATE[book.currency[account]], 2)


def _initial_products(book: Book, rng: np.random.Generator) -> np.ndarray:
    """Accounts x products: what each account buys at signing."""
    n = len(book)
    held = np.zeros((n, len(cat.PRODUCTS)), dtype=bool)
    modules = np.array(cat.MODULES)
    held[:, modules] = rng.random((n, len(modules))) < cat.INITIAL_MODULES[book.ctype]
    held[:, CORE_MODULE] = True
    held[:, cat.DEDICATED_HOSTING] = book.dedicated
    u = rng.random(n)
    held[:, cat.PREMIUM_SUPPORT] = (book.tier == 2) | ((book.tier == 1) & (u < 0.6))
    held[:, cat.COMPLIANCE] = (book.tier == 2) & (rng.random(n) < 0.3)
    return held


def _segments_from(held: np.ndarray, start: np.ndarray, stop: np.ndarray, period: int,
                   book: Book, rng: np.random.Generator) -> Holdings:
    account, product = np.nonzero(held & ~np.isnat(start)[:, None])
    return Holdings(
        account=account, period=np.full(len(account), period), product=product,
        start=start[account], stop=stop[account],
        monthly=_list_price(book, product, rng, account),
        expansion=np.zeros(len(account), dtype=bool),
    )


def _expansions(book: Book, held: np.ndarray, window: Window,
                rng: np.random.Generator) -> Holdings:
    """Products added after go-live by accounts that use what they have."""
    first = shift_days(book.usage_start1, 60)
    last = np.where(np.isnat(book.end1), window.end, book.end1)
    months = np.nan_to_num(days_between(last, first) / 30.4, nan=0.0).clip(0)
    count = np.minimum(rng.poisson(EXPANSION_RATE * book.adoption**2 * months), MAX_EXPANSIONS)

    available = np.zeros_like(held)
    available[:, np.array(cat.MODULES)] = cat.AVAILABLE_MODULES[book.ctype]
    available[:, [cat.HOSTING_UPGRADE, cat.PREMIUM_SUPPORT, cat.COMPLIANCE]] = True
    held = held.copy()
    parts = []
    for slot in range(MAX_EXPANSIONS):
        score = np.where(available & ~held, rng.random(held.shape), -1.0)
        product = score.argmax(axis=1)
        buys = (count > slot) & (score.max(axis=1) >= 0)
        held[np.flatnonzero(buys), product[buys]] = True
        account = np.flatnonzero(buys)
        span = days_between(last[account], first[account])
        start = shift_days(first[account], np.floor(rng.random(len(account)) * (span + 1)))
        parts.append(Holdings(
            account=account, period=np.ones(len(account), dtype=np.int64),
            product=product[buys], start=start, stop=book.end1[account],
            monthly=_list_price(book, product[buys], rng, account),
            expansion=np.ones(len(account), dtype=bool),
        ))
    out = parts[0]
    for part in parts[1:]:
        out = out.extend(part)
    return out


def plan_holdings(book: Book, plan: RenewalPlan, window: Window,
                  rng: np.random.Generator) -> Holdings:
    """Every priced segment of every account of the chunk, renewals applied."""
    held = _initial_products(book, rng)
    holdings = _segments_from(held, book.start1, book.end1, 1, book, rng)
    holdings = holdings.extend(_expansions(book, held, window, rng))

    # A returning customer buys back part of what it had.
    comeback = held & (rng.random(held.shape) < 0.7)
    comeback[:, CORE_MODULE] = held[:, CORE_MODULE]
    holdings = holdings.extend(_segments_from(comeback, book.start2, book.end2, 2, book, rng))
    return _apply_renewals(holdings, book, plan, rng)


def _renewal_maps(book: Book, plan: RenewalPlan, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per account of the chunk, the fields of the renewal in `rows` (one per account)."""
    n = len(book)
    local = plan.account[rows] - book.first
    maps = {"has": np.zeros(n, bool), "due": np.full(n, NAT), "period": np.zeros(n, np.int64),
            "change": np.full(n, -1), "factor": np.ones(n)}
    maps["has"][local] = True
    maps["due"][local] = plan.due[rows]
    maps["period"][local] = plan.period[rows]
    maps["change"][local] = plan.change[rows]
    maps["factor"][local] = plan.factor[rows]
    return maps


def _apply_renewals(holdings: Holdings, book: Book, plan: RenewalPlan,
                    rng: np.random.Generator) -> Holdings:
    """Walk the anniversaries in order: price changes split lines, downgrades end one."""
    order = sequence_within(plan.account)
    for number in range(1, int(order.max(initial=0)) + 1):
        rows = np.flatnonzero((order == number) & (plan.outcome == RenewalPlan.RENEWED))
        if len(rows) == 0:
            continue
        m = _renewal_maps(book, plan, rows)
        a = holdings.account
        due = m["due"][a]
        active = m["has"][a] & (holdings.period == m["period"][a]) & (holdings.start < due)
        active &= np.isnat(holdings.stop) | (holdings.stop >= due)

        repriced = active & np.isin(m["change"][a], (RenewalPlan.UPLIFT, RenewalPlan.CUT))
        new = holdings.select(repriced)
        new.start = due[repriced]
        new.monthly = np.round(new.monthly * m["factor"][new.account], 2)
        holdings.stop = np.where(repriced, due - DAY, holdings.stop)

        droppable = active & (m["change"][a] == RenewalPlan.DROP)
        droppable &= (holdings.product != CORE_MODULE)
        droppable &= holdings.product != cat.DEDICATED_HOSTING
        dropped = _one_per_account(np.flatnonzero(droppable), a, rng)
        holdings.stop[dropped] = due[dropped] - DAY
        holdings = holdings.extend(new)
    return holdings


def _one_per_account(candidates: np.ndarray, account: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """One of the candidate segments of each account, at random."""
    key = rng.random(len(candidates))
    ranked = candidates[np.lexsort((key, account[candidates]))]
    owner = account[ranked]
    return ranked[np.r_[True, owner[1:] != owner[:-1]]] if len(ranked) else ranked


def subscription_lines(book: Book, holdings: Holdings) -> dict[str, object]:
    order = np.lexsort((holdings.product, holdings.start, holdings.account))
    h = holdings.select(order)
    account_ids = take(book.ids, h.account)
    months = book.billing_months[h.account]
    return {
        "line_id": join(account_ids, "-L", numbered("", sequence_within(h.account), 3)),
        "account_id": account_ids,
        "product": names(cat.PRODUCT_NAMES, h.product),
        "product_category": names(cat.PRODUCT_CATEGORIES, h.product),
        "start_on": h.start,
        "end_on": h.stop,
        "amount": np.round(h.monthly * months, 2),
        "billing_period_months": months,
        "currency": names(cat.CURRENCIES, book.currency[h.account]),
    }


def _arr_on(holdings: Holdings, book: Book, day_of_account: np.ndarray,
            period_of_account: np.ndarray) -> np.ndarray:
    """ARR per account of the chunk on a day given per account."""
    a = holdings.account
    active = holdings.active_on(day_of_account[a]) & (holdings.period == period_of_account[a])
    mrr = np.round(holdings.monthly * book.billing_months[a], 2) / book.billing_months[a]
    return 12 * np.bincount(a[active], weights=mrr[active], minlength=len(book))


def renewals(book: Book, plan: RenewalPlan, holdings: Holdings, window: Window,
             rng: np.random.Generator) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """Renewal rows, and what the forecasts need about them."""
    local = plan.account - book.first
    arr_due = np.zeros(len(local))
    renewed_arr = np.zeros(len(local))
    order = sequence_within(plan.account)
    for number in range(1, int(order.max(initial=0)) + 1):
        rows = np.flatnonzero(order == number)
        m = _renewal_maps(book, plan, rows)
        arr_due[rows] = _arr_on(holdings, book, m["due"] - DAY, m["period"])[local[rows]]
        renewed_arr[rows] = _arr_on(holdings, book, m["due"], m["period"])[local[rows]]

    outcome = plan.outcome
    lead = np.where(outcome == RenewalPlan.CHURNED, rng.integers(0, 60, len(local)),
                    rng.integers(0, 40, len(local)))
    closed = shift_days(plan.due, -lead)
    closed[outcome == RenewalPlan.OPEN] = NAT
    renewal_ids = join(take(book.ids, local), "-RN", numbered("", order, 2))
    columns = {
        "renewal_id": renewal_ids,
        "account_id": take(book.ids, local),
        "due_on": plan.due,
        "arr_due": np.round(arr_due, 2),
        "currency": names(cat.CURRENCIES, book.currency[local]),
        "outcome": names(("renewed", "churned", "open"), outcome),
        "renewed_arr": np.where(outcome == RenewalPlan.RENEWED, np.round(renewed_arr, 2),
                                np.nan),
        "closed_on": closed,
    }
    facts = {"ids": renewal_ids, "local": local, "arr_due": arr_due}
    return columns, facts


def renewal_forecasts(book: Book, plan: RenewalPlan, facts: dict[str, np.ndarray],
                      window: Window, rng: np.random.Generator) -> dict[str, object]:
    """Snapshots before each due date. The closer the date, the more the forecast
    reflects how the renewal really ends; far out it leans on a general impression."""
    local = facts["local"]
    outcome = plan.outcome
    downgrade = np.isin(plan.change, (RenewalPlan.DROP, RenewalPlan.CUT))
    # Open renewals have a fate too; nobody sees it yet.
    fate = rng.random(len(local)) >= churn_chance(book)[local]
    strength = np.select(
        [outcome == RenewalPlan.CHURNED, outcome == RenewalPlan.OPEN, downgrade],
        [0.0, fate.astype(float), 0.6], 1.0,
    )
    impression = book.adoption[local]

    k = len(FORECAST_LEADS)
    row = np.repeat(np.arange(len(local)), k)
    lead = np.tile(FORECAST_LEADS, len(local))
    as_of = shift_days(plan.due[row], -lead)
    period_start = np.where(plan.period[row] == 1, book.start1[local[row]],
                            book.start2[local[row]])
    keep = (as_of <= window.end) & (as_of >= shift_days(period_start, 30))
    row, lead, as_of = row[keep], lead[keep], as_of[keep]

    # Some churns come as a surprise (a merger, a budget cut) until the last snapshot.
    surprise = (outcome == RenewalPlan.CHURNED) & (rng.random(len(local)) < 0.25)
    seen = np.where(surprise[row] & (lead > FORECAST_LEADS.min()), 0.8, strength[row])
    weight = 0.75 - 0.5 * (lead - FORECAST_LEADS.min()) / np.ptp(FORECAST_LEADS)
    score = weight * seen + (1 - weight) * impression[row]
    score += rng.normal(0, 0.15, len(row))
    category = np.select([score >= 0.75, score >= 0.55, score >= 0.3], [0, 1, 2], 3)
    share = np.array([1.0, 0.95, 0.5, 0.0])[category]
    probability = np.clip(score + rng.normal(0, 0.05, len(row)), 0.02, 0.98)
    return {
        "renewal_id": take(facts["ids"], row),
        "as_of": as_of,
        "forecast_arr": np.round(facts["arr_due"][row] * share, 2),
        "category": names(("commit", "probable", "at_risk", "lost"), category),
        "probability": np.round(probability, 2),
    }

