"""Account segments: one per dimension, with words for empty values."""

from __future__ import annotations

import ibis

from caresight.dataset.schema import TABLES
from caresight.kpis.catalog import ACCOUNT_DIMENSIONS
from caresight.kpis.segments import account_segments
from factories import account


def _segments_of(*accounts: dict) -> dict[tuple[str, str], str]:
    columns = TABLES["accounts"].column_names
    schema = {c.name: "date" if c.type == "date" else "string" for c in TABLES["accounts"].columns}
    table = ibis.memtable(
        {c: [a.get(c) for a in accounts] for c in columns}, schema=schema
    )
    frame = ibis.duckdb.connect().execute(account_segments(table))
    return {(r.account_id, r.dimension): r.segment for r in frame.itertuples()}


def test_every_account_is_in_all_and_once_in_each_dimension() -> None:
    segments = _segments_of(account("A"), account("B"))
    assert segments[("A", "all")] == "all"
    assert {d for (a, d) in segments if a == "A"} == {"all", *ACCOUNT_DIMENSIONS}


def test_empty_partner_delivery_partner_and_region_get_names() -> None:
    segments = _segments_of(account("A", region=None, partner_id=None, delivery_partner_id=""))
    assert segments[("A", "partner")] == "direct"
    assert segments[("A", "delivery_partner")] == "platform"
    assert segments[("A", "region")] == "unknown"


def test_set_values_name_the_segment() -> None:
    segments = _segments_of(
        account("A", channel="oem", partner_id="P7", delivery_partner_id="D2",
                service_tier="premium", deployment_model="dedicated", region="apac")
    )
    assert [segments[("A", d)] for d in ACCOUNT_DIMENSIONS] == [
        "hospital", "dedicated", "oem", "P7", "D2", "premium", "apac"
    ]
