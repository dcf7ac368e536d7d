"""Implementation: onboarding and expansion projects, milestones, migration batches
and integrations.

The delivery partner's hidden quality sets the pace and the care: weak partners slip
milestones, hand over migration batches with rejected records, and finish interfaces
after the customer is already live. Nothing is written that is planned or dated after
the end of history, so a project whose planned go-live lies beyond it (with its
milestones, batches and interfaces) is left out until it is due.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from caresight.demo import catalogue as cat
from caresight.demo.book import Book, Partners
from caresight.demo.labels import join, names, numbered, sequence_within, take
from caresight.demo.revenue import Holdings
from caresight.demo.timeline import NAT, Window, days_between, not_after, shift_days


@dataclass(frozen=True)
class Projects:
    """The projects of a chunk that are written, in output order."""

    ids: pa.Array
    account: np.ndarray  # index within the chunk
    expansion: np.ndarray
    kickoff: np.ndarray
    planned: np.ndarray
    go_live: np.ndarray  # NaT when not live by the end of history

    def __len__(self) -> int:
        return len(self.account)


def plan_projects(book: Book, holdings: Holdings, window: Window,
                  rng: np.random.Generator) -> Projects:
    """Each account's onboarding project, and a project for some module expansions."""
    n = len(book)
    onboarding_account = np.arange(n)

    bought = holdings.expansion & (holdings.period == 1)
    bought &= np.isin(holdings.product, cat.MODULES) & (rng.random(len(bought)) < 0.4)
    account = holdings.account[bought]
    live_on = holdings.start[bought]
    kickoff = shift_days(live_on, -rng.integers(20, 45, len(account)))
    planned = shift_days(live_on, -rng.integers(0, 10, len(account)))
    slip = rng.normal(1 + 40 * (1 - book.quality[account]) ** 1.5, 3, len(account))
    go_live = shift_days(planned, np.maximum(slip, -3))

    accounts = np.r_[onboarding_account, account]
    kickoffs = np.r_[book.kickoff, kickoff]
    planneds = np.r_[book.planned_go_live, planned]
    go_lives = np.r_[book.go_live, go_live]
    expansion = np.r_[np.zeros(n, bool), np.ones(len(account), bool)]

    keep = planneds <= window.end
    order = np.lexsort((kickoffs[keep], expansion[keep], accounts[keep]))
    accounts, expansion = accounts[keep][order], expansion[keep][order]
    ids = join(take(book.ids, accounts), "-PJ", numbered("", sequence_within(accounts), 1))
    return Projects(
        ids=ids, account=accounts, expansion=expansion,
        kickoff=kickoffs[keep][order], planned=planneds[keep][order],
        go_live=not_after(go_lives[keep][order], window.end),
    )


def implementations(book: Book, projects: Projects, partners: Partners) -> dict[str, object]:
    delivery = book.delivery[projects.account]
    return {
        "project_id": projects.ids,
        "account_id": take(book.ids, projects.account),
        "kind": names(("onboarding", "expansion"), projects.expansion.astype(np.int64)),
        "delivery_partner_id": take(partners.ids, delivery),
        "kickoff_on": projects.kickoff,
        "planned_go_live_on": projects.planned,
        "go_live_on": projects.go_live,
    }


def milestones(book: Book, projects: Projects, window: Window,
               rng: np.random.Generator) -> dict[str, object]:
    """Milestones spread over each plan; they slip with the project (some are done late),
    and a stalled project never completes the later ones (they stay open past plan)."""
    steps = np.ones((len(projects), len(cat.MILESTONES)), dtype=bool)
    steps[projects.expansion] = False
    steps[:, cat.EXPANSION_MILESTONES] = True
    project, step = np.nonzero(steps)
    at = cat.MILESTONE_AT[step]
    account = projects.account[project]
    weakness = 1 - book.quality[account]

    planned_days = days_between(projects.planned[project], projects.kickoff[project])
    planned = shift_days(projects.kickoff[project], at * planned_days)
    actual_go_live = np.where(projects.expansion[project], NAT, book.go_live[account])
    actual_go_live = np.where(np.isnat(actual_go_live), projects.go_live[project],
                              actual_go_live)
    delay = np.nan_to_num(days_between(actual_go_live, projects.planned[project]))
    # Slips pile up towards go-live: early milestones keep to plan better than late ones.
    noise = rng.normal(0, 1 + 12 * weakness**1.5, len(step))
    completed = shift_days(planned, at**2 * delay + np.where((at > 0) & (at < 1), noise, 0))
    completed = np.maximum(completed, projects.kickoff[project])
    stalled = np.isnat(book.go_live[account]) & ~projects.expansion[project]
    completed[stalled & (at > 0.5)] = NAT
    completed[at == 1] = actual_go_live[at == 1]
    completed = not_after(completed, window.end)

    keep = planned <= window.end
    return {
        "project_id": take(projects.ids, project[keep]),
        "milestone": names(cat.MILESTONES, step[keep]),
        "planned_on": planned[keep],
        "completed_on": completed[keep],
    }


def data_migrations(book: Book, projects: Projects, window: Window,
                    rng: np.random.Generator) -> dict[str, object]:
    """Batches of records handed over during onboarding. Weak partners' batches come
    back with rejected records more often and take longer to accept. Batches still
    under review at the end of history are not written."""
    onboarding = np.flatnonzero(~projects.expansion)
    account = projects.account[onboarding]
    count = 3 + 3 * (book.users[account] > 100) + rng.integers(0, 3, len(onboarding))
    project = np.repeat(onboarding, count)
    account = projects.account[project]
    quality = book.quality[account]
    n = len(project)

    span_end = np.where(np.isnat(book.go_live[account]), projects.planned[project],
                        book.go_live[account])
    first = shift_days(projects.kickoff[project],
                       0.2 * days_between(projects.planned[project], projects.kickoff[project]))
    last = shift_days(span_end, -10)
    span = np.maximum(days_between(last, first), 1)
    submitted = shift_days(first, rng.random(n) * span)

    records = np.maximum(rng.lognormal(np.log(book.users[account] * 400.0), 0.6, n), 50)
    records = records.astype(np.int64)
    whole = rng.random(n) < 0.95 * quality**3
    rejected_share = rng.lognormal(np.log(0.003 + 0.09 * (1 - quality) ** 1.5), 0.7, n)
    rejected = np.maximum(1, np.round(np.minimum(rejected_share, 0.6) * records))
    accepted = np.where(whole, records, records - rejected.astype(np.int64))
    accepted_on = shift_days(submitted, rng.integers(2, 8, n) + 20 * (1 - quality)
                             * rng.random(n))

    keep = accepted_on <= window.end
    order = np.lexsort((submitted[keep], project[keep]))
    project, submitted = project[keep][order], submitted[keep][order]
    return {
        "project_id": take(projects.ids, project),
        "batch_id": numbered("B", sequence_within(project), 2),
        "submitted_on": submitted,
        "records_submitted": records[keep][order],
        "records_accepted": accepted[keep][order],
        "accepted_on": accepted_on[keep][order],
    }


def integrations(book: Book, projects: Projects, window: Window,
                 rng: np.random.Generator) -> dict[str, object]:
    """Interfaces an onboarding needs; weak partners finish them late, often after the
    customer went live without them."""
    onboarding = np.flatnonzero(~projects.expansion)
    ctype = book.ctype[projects.account[onboarding]]
    needed = rng.random((len(onboarding), len(cat.INTEGRATIONS))) < cat.INTEGRATION_NEED[ctype]
    row, integration = np.nonzero(needed)
    project = onboarding[row]
    account = projects.account[project]
    weakness = 1 - book.quality[account]
    n = len(project)

    gate = rng.random(n) < cat.INTEGRATION_GATE[integration]
    planned_ready = shift_days(projects.planned[project], -rng.integers(10, 40, n))
    slip = rng.normal(2 + 140 * weakness**1.5, 4 + 30 * weakness, n)
    ready = shift_days(planned_ready, np.maximum(slip, -5))
    never = np.isnat(book.go_live[account]) & (rng.random(n) < 0.5)
    ready[never] = NAT
    ready = not_after(ready, window.end)

    keep = planned_ready <= window.end
    return {
        "project_id": take(projects.ids, project[keep]),
        "integration": names(cat.INTEGRATIONS, integration[keep]),
        "required_for_go_live": gate[keep],
        "planned_ready_on": planned_ready[keep],
        "ready_on": ready[keep],
    }
