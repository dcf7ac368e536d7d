"""The seeded demo world: a healthcare SaaS provider's book, written as a dataset.

`write_world` decides the book as a whole (partners, accounts and their fates,
environments), then draws and writes the detail chunk by chunk: accounts in chunks of
`CHUNK_ACCOUNTS`, environments in blocks of `ENVIRONMENT_BLOCK`. Every chunk has its own
random generators seeded from (seed, stream, chunk), so the files depend only on the
arguments, never on timing; the same arguments give byte-identical files.

Causes built in, for the KPIs to find:
- a weak delivery partner (hidden quality) brings late go-lives, slipped and open
  milestones, rejected migration records, interfaces ready after go-live, a burst of
  tickets after go-live, partner-caused incidents, lower adoption, and so more churn
  and downgrades; every delivery partner takes a few dozen projects live;
- roles work in their own modules (billing clerks in billing and finance) and adopt at
  their own pace (physicians slowly, and many never); modules such as inventory and
  reporting are often paid for and left aside;
- commercial partners that sell at deep discounts leave thin margins;
- multi-tenant pools are cheap per customer, with now and then a noisy neighbour and
  coordinated upgrades; dedicated customers cost more and rarely leave, and a cohort of
  them keeps adding custom modules, so their hosting cost climbs while they pay the same;
- some accounts never adopt enough to reach stable usage.

Costs to serve are written explicitly (account_costs) for dedicated customers only,
because a dedicated environment's cost changes from month to month while
`environments` holds one monthly_cost (its latest). Multi-tenant customers' costs are
left to allocation from their pool's monthly_cost, tenant_usage, tickets and tier, at
the costs the shipped settings use; a demo so shows both ways.

Volumes: a world of up to about 2,000 accounts over 36 months is written in full. Beyond
that, workflow_events keeps at least one day per active user and month but thins the
other days (see `adoption.event_density`), and tenant_usage is written for every n-th
day only; weekly adoption measures (days to stable usage) are then not meaningful.
The draws depend on `CHUNK_ACCOUNTS`: changing it changes the world (not its shape).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from enum import IntEnum
from pathlib import Path

import numpy as np

from caresight.demo import adoption, onboarding, platform, revenue, support
from caresight.demo.book import (
    Book,
    PartnerProfile,
    Partners,
    RenewalPlan,
    accounts_table,
    make_book,
    make_partners,
)
from caresight.demo.costs import account_costs
from caresight.demo.platform import Environments, ReleaseCalendar
from caresight.demo.timeline import Window
from caresight.demo.writer import FORMATS, DatasetWriter, clear_folder
from caresight.errors import CaresightError

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]

CHUNK_ACCOUNTS = 2_000
ENVIRONMENT_BLOCK = 500
#: Rows of tenant_usage a world may hold before days are sampled (every n-th day).
TENANT_USAGE_BUDGET = 4_000_000
PROGRESS_LABEL = "Writing the demo world"


class Stream(IntEnum):
    """Independent random streams: changing one generator leaves the others alone."""

    PARTNERS = 1
    BOOK = 2
    ENVIRONMENTS = 3
    FX = 4
    REVENUE = 10
    RENEWALS = 11
    ONBOARDING = 12
    USERS = 13
    EVENTS = 14
    FEATURES = 15
    TRAINING = 16
    REVIEWS = 17
    SUPPORT = 18
    TENANTS = 19
    PLATFORM = 30


def _rng(seed: int, stream: Stream, part: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, int(stream), part])


def _check(accounts: int, months: int, seed: int, file_format: str) -> None:
    if accounts < 1:
        raise CaresightError(f"a demo world needs at least one account, not {accounts}")
    if months < 1:
        raise CaresightError(f"a demo world needs at least one month, not {months}")
    if seed < 0:
        raise CaresightError(f"the seed must be zero or positive, not {seed}")
    if file_format not in FORMATS:
        raise CaresightError(
            f"unknown file format {file_format!r}; use one of {', '.join(FORMATS)}"
        )


def plan_world(
    *, accounts: int, months: int, seed: int, end: date
) -> tuple[Window, Partners, Book, RenewalPlan, Environments]:
    """The book as a whole, before any detail is drawn."""
    window = Window.ending(end, months)
    partners = make_partners(accounts, window, _rng(seed, Stream.PARTNERS))
    book, plan = make_book(accounts, window, partners, _rng(seed, Stream.BOOK))
    envs, account_env = platform.plan_environments(book, window, _rng(seed, Stream.ENVIRONMENTS))
    return window, partners, replace(book, environment=account_env), plan, envs


def partner_profiles(
    *, accounts: int, months: int, seed: int, end: date
) -> dict[str, PartnerProfile]:
    """The hidden quality and discount of every partner of the world `write_world`
    writes with these arguments: what the partner KPIs should rediscover."""
    window = Window.ending(end, months)
    return make_partners(accounts, window, _rng(seed, Stream.PARTNERS)).profiles()


def write_world(
    folder: Path,
    *,
    accounts: int,
    months: int,
    seed: int,
    end: date,
    file_format: str = "csv",
    progress: ProgressFn | None = None,
) -> dict[str, int]:
    """Write a seeded demo world into `folder`, one `<table>.<file_format>` per contract
    table, and return the rows written per table.

    History runs over the `months` calendar months ending with the month of `end`, and
    nothing is dated after `end` except open renewals falling due later. The folder is
    created, or emptied of the table files of a previous world.
    """
    _check(accounts, months, seed, file_format)
    window, partners, book, plan, envs = plan_world(
        accounts=accounts, months=months, seed=seed, end=end
    )
    density = adoption.event_density(book, window)
    stride = _tenant_usage_stride(book, window)
    calendar = platform.release_calendar(window)
    chunks = range(0, accounts, CHUNK_ACCOUNTS)
    blocks = range(0, len(envs), ENVIRONMENT_BLOCK)
    total = len(chunks) + len(blocks)

    clear_folder(folder)
    with DatasetWriter(folder, file_format) as out:
        out.write("partners", partners.columns())
        out.write("fx_rates", revenue.fx_rates(window, _rng(seed, Stream.FX)))
        out.write("environments", envs.columns(window))
        for done, lo in enumerate(chunks, start=1):
            hi = min(lo + CHUNK_ACCOUNTS, accounts)
            _write_accounts(out, seed, done, book.part(lo, hi), plan.part(lo, hi), partners,
                            envs, window, density, stride)
            if progress:
                progress(PROGRESS_LABEL, done, total)
        for done, lo in enumerate(blocks, start=len(chunks) + 1):
            env = np.arange(lo, min(lo + ENVIRONMENT_BLOCK, len(envs)))
            _write_environments(out, seed, done, env, envs, book, calendar, window)
            if progress:
                progress(PROGRESS_LABEL, done, total)

    rows = out.rows
    log.info(
        "wrote a demo world of %s accounts over %s months: %s rows in %s tables "
        "(event density %.3f, tenant usage every %s day(s))",
        f"{accounts:,}", months, f"{sum(rows.values()):,}", len(rows), density, stride,
    )
    return rows


def _tenant_usage_stride(book: Book, window: Window) -> int:
    """Every how many days tenant_usage is written: 1 unless the budget is exceeded. A
    multiple of 7 would always land on the same weekday, so it is avoided."""
    stride = max(1, int(np.ceil(platform.expected_tenant_days(book, window)
                                / TENANT_USAGE_BUDGET)))
    return stride + 1 if stride > 1 and stride % 7 == 0 else stride


def _write_accounts(out: DatasetWriter, seed: int, chunk: int, book: Book, plan: RenewalPlan,
                    partners: Partners, envs: Environments, window: Window, density: float,
                    stride: int) -> None:
    """Every account-level table for one chunk of accounts."""
    def rng(stream: Stream) -> np.random.Generator:
        return _rng(seed, stream, chunk)

    out.write("accounts", accounts_table(book, partners, envs.ids))

    holdings = revenue.plan_holdings(book, plan, window, rng(Stream.REVENUE))
    out.write("subscription_lines", revenue.subscription_lines(book, holdings))
    renewal_rows, facts = revenue.renewals(book, plan, holdings, window, rng(Stream.RENEWALS))
    out.write("renewals", renewal_rows)
    out.write("renewal_forecasts",
              revenue.renewal_forecasts(book, plan, facts, window, rng(Stream.RENEWALS)))

    onboarding_rng = rng(Stream.ONBOARDING)
    projects = onboarding.plan_projects(book, holdings, window, onboarding_rng)
    out.write("implementations", onboarding.implementations(book, projects, partners))
    out.write("milestones", onboarding.milestones(book, projects, window, onboarding_rng))
    out.write("data_migrations",
              onboarding.data_migrations(book, projects, window, onboarding_rng))
    out.write("integrations", onboarding.integrations(book, projects, window, onboarding_rng))

    users = adoption.make_users(book, window, rng(Stream.USERS))
    out.write("users", adoption.users_table(book, users))
    for batch in adoption.workflow_events(book, users, holdings, window, density,
                                          rng(Stream.EVENTS)):
        out.write("workflow_events", batch)
    out.write("features", adoption.features(book, holdings, window, rng(Stream.FEATURES)))
    out.write("training", adoption.training(book, users, window, rng(Stream.TRAINING)))
    out.write("business_reviews", adoption.business_reviews(book, window, rng(Stream.REVIEWS)))

    ticket_rows, per_month = support.tickets(book, partners, window, rng(Stream.SUPPORT))
    out.write("tickets", ticket_rows)
    out.write("account_costs", account_costs(book, envs, per_month, window))
    out.write("tenant_usage",
              platform.tenant_usage(book, envs, window, stride, rng(Stream.TENANTS)))


def _write_environments(out: DatasetWriter, seed: int, block: int, env: np.ndarray,
                        envs: Environments, book: Book, calendar: ReleaseCalendar,
                        window: Window) -> None:
    """Every environment-level table for one block of environments."""
    rng = _rng(seed, Stream.PLATFORM, block)
    out.write("incidents", platform.incidents(envs, env, book, window, rng))
    out.write("maintenance_windows", platform.maintenance_windows(envs, env, window, rng))
    out.write("backups", platform.backups(envs, env, window, rng))
    out.write("restore_tests", platform.restore_tests(envs, env, window, rng))
    out.write("deployments", platform.deployments(envs, env, calendar, window, rng))
    out.write("db_performance", platform.db_performance(envs, env, window, rng))
