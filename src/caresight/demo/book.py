"""The provider's book: partners, end customers, and how each customer's life goes.

Everything about an account that several tables depend on is decided here, once, for
the whole book: who sells and who delivers it, how good that delivery really is (a
hidden quality score), when it goes live, how well it adopts, and how every renewal
ends. The child tables (lines, users, events, tickets, ...) are then drawn chunk by
chunk from these facts, which is how causes reach their effects.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pyarrow as pa

from caresight.demo import catalogue as cat
from caresight.demo.draws import choose
from caresight.demo.labels import join, names, numbered, sequence_within, take
from caresight.demo.timeline import (
    DAY,
    NAT,
    Window,
    add_months,
    days_between,
    month_index,
    shift_days,
)

#: Hidden delivery quality of the platform's own implementation team.
PLATFORM_QUALITY = 0.78
#: Hidden quality of partners by position within their type; the cycle mixes strong
#: (>= 0.8), middling and weak (< 0.5) partners, and each type starts elsewhere in it.
QUALITY_CYCLE = np.array([0.90, 0.36, 0.74, 0.88, 0.44, 0.60, 0.93, 0.32])
#: Chance that a renewal is a churn, on top of what adoption and delivery explain.
BASE_CHURN = 0.02
#: Chance that a churned customer comes back, and how long it stays away (days).
REACTIVATION = 0.15
REACTIVATION_GAP = (60, 300)


@dataclass(frozen=True)
class PartnerProfile:
    """What the data does not show about a partner."""

    partner_type: str
    quality: float  # delivery and support quality, 0..1 (weak < 0.5, strong >= 0.8)
    discount: float  # share off list price on the deals it sells


@dataclass(frozen=True)
class Partners:
    """Commercial and implementation partners, with what the data does not show."""

    ids: pa.Array
    names: pa.Array
    kind: np.ndarray  # code into catalogue.PARTNER_TYPES
    quality: np.ndarray  # hidden: delivery and support quality, 0..1
    discount: np.ndarray  # hidden: share off list price on the deals it sells
    declared_tier: np.ndarray  # code into catalogue.PARTNER_TIERS
    region: np.ndarray
    joined_on: np.ndarray
    handles_support: np.ndarray  # runs first-line support for the accounts it sells

    def of_kind(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.kind == cat.PARTNER_TYPES.index(kind))

    def profiles(self) -> dict[str, PartnerProfile]:
        return {
            partner_id: PartnerProfile(cat.PARTNER_TYPES[kind], float(quality), float(discount))
            for partner_id, kind, quality, discount in zip(
                self.ids.to_pylist(), self.kind, self.quality, self.discount, strict=True
            )
        }

    def columns(self) -> dict[str, object]:
        return {
            "partner_id": self.ids,
            "name": self.names,
            "partner_type": names(cat.PARTNER_TYPES, self.kind),
            "declared_tier": names(cat.PARTNER_TIERS, self.declared_tier),
            "region": names(cat.REGIONS, self.region),
            "joined_on": self.joined_on,
        }


def _partner_counts(accounts: int) -> dict[str, int]:
    # A bigger book has more partners, slowly.
    extra = int(np.log2(max(accounts / 600, 1.0)))
    return {"reseller": 5 + extra, "white_label": 3 + extra // 2, "oem": 3 + extra // 2,
            "implementation": 6 + extra}


def _tier_of(quality: np.ndarray) -> np.ndarray:
    """The tier a partner's real maturity deserves (0 strategic .. 3 probation)."""
    return np.select([quality >= 0.8, quality >= 0.6, quality >= 0.45], [0, 1, 2], 3)


def make_partners(accounts: int, window: Window, rng: np.random.Generator) -> Partners:
    counts = _partner_counts(accounts)
    kind = np.concatenate([np.full(n, cat.PARTNER_TYPES.index(k)) for k, n in counts.items()])
    position = np.concatenate([np.arange(n) for n in counts.values()])
    n = len(kind)

    cycle_start = kind * 2
    quality = QUALITY_CYCLE[(position + cycle_start) % len(QUALITY_CYCLE)]
    quality = np.clip(quality + rng.uniform(-0.03, 0.03, n), 0.05, 0.98)

    # Some commercial partners win deals with deep discounts: thin margins follow.
    commercial = kind != cat.PARTNER_TYPES.index("implementation")
    underpriced = commercial & (position % 4 == 1)
    discount = np.where(underpriced, rng.uniform(0.45, 0.50, n), rng.uniform(0.05, 0.15, n))
    discount[~commercial] = 0.0

    # Sales tiers overstate every third partner's maturity.
    true_tier = _tier_of(quality)
    declared = np.where(position % 3 == 1, np.maximum(true_tier - 2, 0), true_tier)

    reseller = kind == cat.PARTNER_TYPES.index("reseller")
    handles_support = (commercial & ~reseller) | (reseller & (position % 2 == 0))

    word = cat.PARTNER_WORDS
    label = names(word, (np.arange(n) * 5 + 3) % len(word))
    suffix = names([cat.PARTNER_SUFFIX[k] for k in cat.PARTNER_TYPES], kind)
    prefix = names(("P-RES-", "P-WL-", "P-OEM-", "P-IMP-"), kind)
    return Partners(
        ids=numbered(prefix, position + 1, 2),
        names=join(label, " ", suffix),
        kind=kind,
        quality=quality,
        discount=discount,
        declared_tier=declared,
        region=rng.integers(0, len(cat.REGIONS), n),
        joined_on=shift_days(np.full(n, window.start), rng.integers(0, 21, n)),
        handles_support=handles_support,
    )


@dataclass(frozen=True)
class Book:
    """One entry per account (global index = position). Sliced into chunks by `part`."""

    first: int  # global index of the first account held
    ids: pa.Array
    names: pa.Array
    ctype: np.ndarray
    users: np.ndarray  # licensed users at full deployment
    region: np.ndarray
    currency: np.ndarray
    channel: np.ndarray
    partner: np.ndarray  # -1 for direct
    delivery: np.ndarray  # -1 for the platform team
    renewal_owner: np.ndarray  # 0 platform, 1 partner
    dedicated: np.ndarray
    tier: np.ndarray
    csm: np.ndarray  # -1 for none
    billing_months: np.ndarray
    quality: np.ndarray  # hidden: delivery quality the account got
    discount: np.ndarray  # share off list price
    adoption: np.ndarray  # hidden: share of users who work in the product, when settled
    signed: np.ndarray
    kickoff: np.ndarray
    planned_go_live: np.ndarray
    go_live: np.ndarray  # NaT when the project stalls; may lie after the window
    lateness: np.ndarray  # go-live delay as a share of the planned duration
    start1: np.ndarray  # first contract's first day of service
    end1: np.ndarray  # its last day of service (NaT: still a customer)
    start2: np.ndarray  # reactivation's first day (NaT: none)
    end2: np.ndarray
    environment: np.ndarray  # environment index, set once environments are planned

    def __len__(self) -> int:
        return len(self.ctype)

    def part(self, lo: int, hi: int) -> Book:
        """Accounts lo..hi-1 of the book."""
        sliced = {
            f.name: getattr(self, f.name)[lo:hi]
            for f in fields(self)
            if f.name != "first"
        }
        return replace(self, first=self.first + lo, **sliced)

    @property
    def usage_start1(self) -> np.ndarray:
        """When users start working: go-live (NaT when it never comes)."""
        return self.go_live

    @property
    def usage_start2(self) -> np.ndarray:
        return shift_days(self.start2, 14)

    @property
    def final_end(self) -> np.ndarray:
        """Last day of service of the account's latest contract (NaT: still a customer)."""
        return np.where(np.isnat(self.start2), self.end1, self.end2)


@dataclass(frozen=True)
class RenewalPlan:
    """Every renewal of the book, sorted by account, period and anniversary."""

    account: np.ndarray  # global account index
    period: np.ndarray  # 1 first contract, 2 after reactivation
    number: np.ndarray  # anniversary within the account (1, 2, ...)
    due: np.ndarray
    outcome: np.ndarray  # 0 renewed, 1 churned, 2 open
    change: np.ndarray  # for renewed: 0 flat, 1 uplift, 2 module dropped, 3 price cut
    factor: np.ndarray  # price factor of an uplift or a cut

    RENEWED, CHURNED, OPEN = 0, 1, 2
    FLAT, UPLIFT, DROP, CUT = 0, 1, 2, 3

    def part(self, lo: int, hi: int) -> RenewalPlan:
        """The renewals of accounts lo..hi-1."""
        a, b = np.searchsorted(self.account, [lo, hi])
        return RenewalPlan(**{f.name: getattr(self, f.name)[a:b] for f in fields(self)})




def _commercial_partner(
    rng: np.random.Generator, partners: Partners, channel: np.ndarray
) -> np.ndarray:
    """A partner of the channel's kind for every non-direct account; larger partners
    (earlier in their list) win more deals. White-label and OEM partners, who mostly
    deliver their own deals, are closer in size, so each has projects enough to judge."""
    partner = np.full(len(channel), -1)
    for code, kind, spread in ((cat.WHITE_LABEL, "white_label", 0.2), (cat.OEM, "oem", 0.2),
                               (cat.RESELLER, "reseller", 0.5)):
        pool = partners.of_kind(kind)
        weight = 1 / (np.arange(len(pool)) + 1) ** spread
        chosen = channel == code
        partner[chosen] = pool[choose(rng, weight, int(chosen.sum()))]
    return partner


def _delivery_partner(
    rng: np.random.Generator, partners: Partners, channel: np.ndarray, partner: np.ndarray
) -> np.ndarray:
    """Who implements: an implementation partner, the seller itself, or the platform."""
    n = len(channel)
    implementers = partners.of_kind("implementation")
    hired = implementers[rng.integers(0, len(implementers), n)]
    u = rng.random(n)
    own_delivery = np.isin(channel, (cat.WHITE_LABEL, cat.OEM))
    share_hired = np.select(
        [channel == cat.DIRECT, channel == cat.RESELLER], [0.55, 0.70], 0.15
    )
    delivery = np.where(u < share_hired, hired, -1)
    return np.where(own_delivery & (u >= share_hired) & (u < 0.95), partner, delivery)


def _signing_days(rng: np.random.Generator, window: Window, n: int) -> np.ndarray:
    """A quarter of the book signs in the first two months, the rest over the window."""
    span = max(window.days - 10, 1)
    early = rng.random(n) < 0.25
    offset = np.where(early, rng.integers(0, min(60, span), n), rng.integers(0, span, n))
    return shift_days(np.full(n, window.start), offset)


def make_book(
    accounts: int, window: Window, partners: Partners, rng: np.random.Generator
) -> tuple[Book, RenewalPlan]:
    """Every account of the book with its hidden traits, and every renewal's fate."""
    n = accounts
    who = _customers(rng, partners, n)
    terms = _service_terms(rng, who, n)
    deal = _deals(rng, partners, who, window, n)
    onboarding = _plan_onboarding(rng, who["ctype"], terms["dedicated"], deal["quality"],
                                  deal["signed"])
    # A stalled project counts as very late.
    lateness = np.clip(np.nan_to_num(onboarding["lateness"], nan=1.5), 0, 1.5)
    adoption = 0.22 + 0.7 * deal["quality"] - 0.25 * lateness + rng.normal(0, 0.07, n)

    book = Book(
        first=0,
        ids=numbered("ACC-", np.arange(1, n + 1), 6),
        names=_account_names(rng, who["ctype"]),
        adoption=np.clip(adoption, 0.08, 0.96),
        end1=np.full(n, NAT), start2=np.full(n, NAT), end2=np.full(n, NAT),
        environment=np.full(n, -1),
        **who, **terms, **deal, **onboarding,
    )
    return _play_lifecycle(rng, book, window)


def _customers(rng: np.random.Generator, partners: Partners, n: int) -> dict[str, np.ndarray]:
    """Who the customers are, where, and who sells and delivers to them."""
    ctype = choose(rng, np.array([t.share for t in cat.CUSTOMER_TYPES]), n)
    low = np.array([t.users[0] for t in cat.CUSTOMER_TYPES])[ctype]
    high = np.array([t.users[1] for t in cat.CUSTOMER_TYPES])[ctype]
    # Many small customers, few large ones.
    users = (low + (high - low) * rng.random(n) ** 1.6).astype(np.int64)

    region = choose(rng, np.array(cat.REGION_SHARES), n)
    currency = np.where(region == cat.REGIONS.index("emea"),
                        np.where(rng.random(n) < 0.65, 1, 2), 0)
    channel = choose(rng, np.array(cat.CHANNEL_SHARES), n)
    partner = _commercial_partner(rng, partners, channel)
    return {
        "ctype": ctype, "users": users, "region": region, "currency": currency,
        "channel": channel, "partner": partner,
        "delivery": _delivery_partner(rng, partners, channel, partner),
        "renewal_owner": np.where((channel != cat.DIRECT) & (rng.random(n) < 0.9), 1, 0),
    }


def _service_terms(rng: np.random.Generator, who: dict[str, np.ndarray],
                   n: int) -> dict[str, np.ndarray]:
    """Hosting, service tier, success manager and billing period."""
    ctype, users = who["ctype"], who["users"]
    dedicated_share = np.array([t.dedicated_share for t in cat.CUSTOMER_TYPES])[ctype]
    dedicated = rng.random(n) < dedicated_share
    p_enterprise = np.where(dedicated, 0.7, np.where(users > 150, 0.4, 0.02))
    p_premium = np.where(users > 40, 0.45, 0.25)
    u = rng.random(n)
    tier = np.select([u < p_enterprise, u < p_enterprise + p_premium], [2, 1], 0)

    csm = rng.integers(0, min(cat.CSM_POOL, max(3, n // 80)), n)
    # Half the partner-owned customers have no success manager of the platform's.
    csm[(who["renewal_owner"] == 1) & (rng.random(n) < 0.5)] = -1
    annual_share = np.where(ctype == cat.HOSPITAL, 0.6, 0.35)
    u = rng.random(n)
    billing_months = np.select([u < annual_share, u < annual_share + 0.15], [12, 3], 1)
    return {"dedicated": dedicated, "tier": tier, "csm": csm,
            "billing_months": billing_months}


def _deals(rng: np.random.Generator, partners: Partners, who: dict[str, np.ndarray],
           window: Window, n: int) -> dict[str, np.ndarray]:
    """When each contract was signed and starts, its discount, and the delivery quality
    the customer gets."""
    delivery, partner = who["delivery"], who["partner"]
    quality = np.where(delivery >= 0, partners.quality[np.maximum(delivery, 0)],
                       PLATFORM_QUALITY)
    quality = np.clip(quality + rng.normal(0, 0.04, n), 0.05, 0.99)
    discount = np.where(partner >= 0, partners.discount[np.maximum(partner, 0)],
                        rng.uniform(0, 0.08, n))

    signed = _signing_days(rng, window, n)
    joined = np.where(partner >= 0, partners.joined_on[np.maximum(partner, 0)], window.start)
    signed = np.minimum(np.maximum(signed, joined), window.end)
    start1 = np.minimum(shift_days(signed, rng.integers(0, 21, n)), window.end)
    return {"quality": quality, "discount": discount, "signed": signed, "start1": start1}


def _account_names(rng: np.random.Generator, ctype: np.ndarray) -> pa.Array:
    place = names(cat.PLACES, rng.integers(0, len(cat.PLACES), len(ctype)))
    nouns = [noun for t in cat.CUSTOMER_TYPES for noun in t.nouns]
    first_noun = np.cumsum([0] + [len(t.nouns) for t in cat.CUSTOMER_TYPES])[:-1]
    count = np.array([len(t.nouns) for t in cat.CUSTOMER_TYPES])
    noun = first_noun[ctype] + rng.integers(0, 1_000_000, len(ctype)) % count[ctype]
    return join(place, " ", names(nouns, noun))


def _plan_onboarding(
    rng: np.random.Generator,
    ctype: np.ndarray,
    dedicated: np.ndarray,
    quality: np.ndarray,
    signed: np.ndarray,
) -> dict[str, np.ndarray]:
    """Kickoff, planned and actual go-live. Weak delivery runs late, and sometimes
    never gets there at all."""
    n = len(ctype)
    kickoff = shift_days(signed, rng.integers(3, 21, n))
    low = np.array([t.onboarding_days[0] for t in cat.CUSTOMER_TYPES])[ctype]
    high = np.array([t.onboarding_days[1] for t in cat.CUSTOMER_TYPES])[ctype]
    planned_days = low + (high - low) * rng.random(n) + 30 * dedicated
    planned = shift_days(kickoff, planned_days)

    weakness = 1 - quality
    # Strong delivery goes live within days of plan, weak delivery weeks or months late.
    lateness = np.clip(
        rng.normal(0.9 * weakness**1.5 - 0.01, 0.03 + 0.2 * weakness), -0.05, 2.0
    )
    # Dedicated projects run under closer governance and stall less.
    stalled = rng.random(n) < (0.015 + 0.12 * weakness**2) * np.where(dedicated, 0.3, 1.0)
    go_live = shift_days(planned, lateness * planned_days)
    go_live[stalled] = NAT
    return {"kickoff": kickoff, "planned_go_live": planned, "go_live": go_live,
            "lateness": np.where(stalled, np.nan, lateness)}


def churn_chance(book: Book) -> np.ndarray:
    """Chance that a renewal ends in churn: poor adoption and weak delivery drive it,
    a dedicated environment holds customers in."""
    chance = BASE_CHURN + 0.45 * (1 - book.adoption) ** 2 + 0.08 * (1 - book.quality)
    return np.where(book.dedicated, 0.2 * chance, chance)


def _play_lifecycle(
    rng: np.random.Generator, book: Book, window: Window
) -> tuple[Book, RenewalPlan]:
    """Decide every anniversary: the first contract, a possible comeback, the second."""
    chance = churn_chance(book)
    stalled = np.isnat(book.go_live)
    # A stalled project usually ends the contract; a dedicated setup's sunk cost keeps
    # half of those customers trying.
    first_chance = np.where(stalled, np.where(book.dedicated, 0.3, 0.65), chance)
    plan1, end1 = _play_contract(rng, book, window, book.start1, chance, first_chance, 1)

    churned = ~np.isnat(end1)
    gap = rng.integers(REACTIVATION_GAP[0], REACTIVATION_GAP[1], len(book))
    start2 = shift_days(end1, 1 + gap)
    comes_back = churned & ~stalled & (rng.random(len(book)) < REACTIVATION)
    comes_back &= start2 <= window.end - 15 * DAY
    start2[~comes_back] = NAT

    plan2, end2 = _play_contract(rng, book, window, start2, 0.7 * chance, 0.7 * chance, 2)
    book = replace(book, end1=end1, start2=start2, end2=end2)
    return book, _merge_plans(plan1, plan2)


def _play_contract(
    rng: np.random.Generator,
    book: Book,
    window: Window,
    start: np.ndarray,
    chance: np.ndarray,
    first_chance: np.ndarray,
    period: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Anniversaries of contracts starting on `start`, each renewed, churned or (after
    the window) open; returns the renewals and each contract's last day of service."""
    n = len(start)
    index = np.arange(n) + book.first
    end = np.full(n, NAT)
    alive = ~np.isnat(start)
    shrink = 0.04 + 0.3 * (1 - book.adoption) ** 1.5
    rows: list[dict[str, np.ndarray]] = []
    number = 1
    while alive.any():
        due = add_months(start, 12 * number)
        decided = alive & (due <= window.end)
        p_churn = first_chance if number == 1 else chance
        u, v, w = rng.random(n), rng.random(n), rng.random(n)
        churn = decided & (u < p_churn)
        # A poorly adopted customer that stays often shrinks: a module or a price cut.
        plan = RenewalPlan
        change = np.select([v < shrink * 0.6, v < shrink, v < shrink + 0.35],
                           [plan.DROP, plan.CUT, plan.UPLIFT], plan.FLAT)
        factor = np.select([change == plan.UPLIFT, change == plan.CUT],
                           [1.03 + 0.04 * w, 0.8 + 0.1 * w], 1.0)
        outcome = np.select([churn, decided], [plan.CHURNED, plan.RENEWED], plan.OPEN)
        change = np.where(outcome == plan.RENEWED, change, -1)
        count = int(alive.sum())
        rows.append({
            "account": index[alive], "period": np.full(count, period),
            "number": np.full(count, number), "due": due[alive], "outcome": outcome[alive],
            "change": change[alive], "factor": factor[alive],
        })
        end[churn] = due[churn] - DAY
        alive = decided & ~churn
        number += 1
    codes = ("account", "period", "number", "outcome", "change")
    empty: dict[str, np.ndarray] = {k: np.zeros(0, dtype=np.int64) for k in codes}
    empty |= {"due": np.zeros(0, dtype="datetime64[D]"), "factor": np.zeros(0)}
    merged = {k: np.concatenate([r[k] for r in rows] or [empty[k]]) for k in empty}
    return merged, end


def _merge_plans(*plans: dict[str, np.ndarray]) -> RenewalPlan:
    merged = {k: np.concatenate([p[k] for p in plans]) for k in plans[0]}
    order = np.lexsort((merged["number"], merged["period"], merged["account"]))
    return RenewalPlan(**{k: v[order] for k, v in merged.items()})


def service_months(book: Book, window: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                        np.ndarray]:
    """(account, month of history, first day, days in service) for every month each
    account of `book` was in service."""
    parts = []
    for start, stop in ((book.start1, book.end1), (book.start2, book.end2)):
        last = np.where(np.isnat(stop), window.end, stop)
        first_month = month_index(start, window)
        months = np.nan_to_num(month_index(last, window) - first_month + 1, nan=0).clip(0)
        account = np.repeat(np.arange(len(book)), months.astype(np.int64))
        month = first_month[account] + sequence_within(account) - 1
        month_start = window.month_starts[month]
        month_end = (month_start.astype("datetime64[M]") + 1).astype("datetime64[D]") - DAY
        first = np.maximum(month_start, start[account])
        final = np.minimum(month_end, last[account])
        parts.append((account, month, first, days_between(final, first) + 1))
    account, month, first, days = (np.concatenate([p[i] for p in parts]) for i in range(4))
    return account, month, first, days


def accounts_table(book: Book, partners: Partners, environment_ids: pa.Array) -> dict[str, object]:
    return {
        "account_id": book.ids,
        "name": book.names,
        "customer_type": names(cat.TYPE_NAMES, book.ctype),
        "region": names(cat.REGIONS, book.region),
        "channel": names(cat.CHANNELS, book.channel),
        "partner_id": take(partners.ids, book.partner),
        "delivery_partner_id": take(partners.ids, book.delivery),
        "renewal_owner": names(("platform", "partner"), book.renewal_owner),
        "deployment_model": names(("multi_tenant", "dedicated"), book.dedicated.astype(np.int64)),
        "environment_id": take(environment_ids, book.environment),
        "service_tier": names(cat.TIERS, book.tier),
        "contract_signed_on": book.signed,
        "csm": names(cat.CSM_NAMES, book.csm),
    }
