"""A small book of computed results, written by hand, for the report's tests.

Three months, 2025-04 to 2025-06. The June bridge closes:
100,000 + 8,000 + 1,000 + 6,000 - 1,500 - 2,000 + 500 = 112,000.
"""

from __future__ import annotations

from typing import Any

from report.kpi_store import kpi_value

PARTNERS = {"p01": "MedLink <Partners>"}


def book_rows() -> list[dict[str, Any]]:
    rows = []
    for period, mrr in (("2025-04", 95_000.0), ("2025-05", 100_000.0), ("2025-06", 112_000.0)):
        rows += [kpi_value("mrr", period, mrr), kpi_value("arr", period, 12 * mrr)]
    rows += [
        kpi_value("new_mrr", "2025-06", 8_000.0),
        kpi_value("reactivation_mrr", "2025-06", 1_000.0),
        kpi_value("expansion_mrr", "2025-06", 6_000.0),
        kpi_value("contraction_mrr", "2025-06", 1_500.0),
        kpi_value("churned_mrr", "2025-06", 2_000.0),
        kpi_value("fx_mrr", "2025-06", 500.0),
        kpi_value("paying_accounts", "2025-06", 40.0),
        kpi_value("arpa", "2025-06", 2_800.0),
        kpi_value("grr_12m", "2025-05", 0.91, status="green"),
        kpi_value("grr_12m", "2025-06", 0.9234, status="green"),
        kpi_value("nrr_12m", "2025-05", 1.05, status="green"),
        kpi_value("nrr_12m", "2025-06", 1.0412, status="amber"),
        kpi_value("logo_churn_rate", "2025-05", 0.010, status="green"),
        kpi_value("logo_churn_rate", "2025-06", 0.015, status="amber"),
        kpi_value("renewal_rate", "2025-05", 0.875, status="amber"),
        # No renewal fell due in June: an empty value, not zero.
        kpi_value("renewal_rate", "2025-06", None),
    ]
    for period, direct, reseller in (("2025-05", 70_000.0, 30_000.0),
                                     ("2025-06", 80_000.0, 32_000.0)):
        rows += [
            kpi_value("mrr", period, direct, dimension="channel", segment="direct"),
            kpi_value("mrr", period, reseller, dimension="channel", segment="reseller"),
        ]
    segment_values = {
        ("channel", "direct"): {"paying_accounts": 25.0, "arpa": 3_200.0,
                                "grr_12m": (0.95, "green"), "logo_churn_rate": (0.0, "green")},
        ("channel", "reseller"): {"paying_accounts": 15.0, "arpa": 32_000 / 15,
                                  "grr_12m": (0.84, "red"), "logo_churn_rate": (0.04, "red"),
                                  "renewal_rate": (None, None)},
        ("partner", "direct"): {"mrr": 80_000.0},
        ("partner", "p01"): {"mrr": 32_000.0},
    }
    for (dimension, segment), values in segment_values.items():
        for kpi, entry in values.items():
            value, status = entry if isinstance(entry, tuple) else (entry, None)
            rows.append(kpi_value(kpi, "2025-06", value, dimension=dimension, segment=segment,
                                  status=status))
    return rows
