"""Row factories for hand-built datasets: plain defaults, override what the test is about."""

from __future__ import annotations

from typing import Any


def account(account_id: str, **overrides: Any) -> dict[str, Any]:
    """An accounts row with plain defaults: a direct, multi-tenant hospital."""
    row: dict[str, Any] = {
        "account_id": account_id,
        "name": f"Account {account_id}",
        "customer_type": "hospital",
        "region": "emea",
        "channel": "direct",
        "deployment_model": "multi_tenant",
        "service_tier": "standard",
        "contract_signed_on": "2020-01-01",
    }
    row.update(overrides)
    return row


def line(line_id: str, account_id: str, start_on: str, amount: float, **overrides: Any) -> dict:
    """A monthly subscription line in USD for a module."""
    row: dict[str, Any] = {
        "line_id": line_id,
        "account_id": account_id,
        "product": "scheduling",
        "product_category": "module",
        "start_on": start_on,
        "end_on": None,
        "amount": amount,
        "billing_period_months": 1,
        "currency": "USD",
    }
    row.update(overrides)
    return row
