"""Collecting the violations of one load, capped per rule, for one `DatasetInvalid`."""

from __future__ import annotations

from collections import Counter

from caresight.dataset.schema import TABLES
from caresight.errors import DatasetInvalid, Violation

#: How many violations of one rule in one file are listed; the rest are only counted.
LISTED_PER_RULE = 20


class Findings:
    """Every violation found so far, at most `LISTED_PER_RULE` listed per (file, rule).

    A check passes the violations it listed and how many it found in all, so that a rule
    broken on a million rows costs twenty rows of Python, not a million.
    """

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.suppressed: Counter[str] = Counter()
        self._listed: Counter[str] = Counter()

    def add(self, rule: str, violations: list[Violation], total: int | None = None) -> None:
        """Record violations of `rule` (a sentence naming the file, used as the cap key)."""
        total = len(violations) if total is None else total
        room = max(LISTED_PER_RULE - self._listed[rule], 0)
        kept = violations[:room]
        self.violations += kept
        self._listed[rule] += len(kept)
        if total > len(kept):
            self.suppressed[rule] += total - len(kept)

    @property
    def count(self) -> int:
        return len(self.violations) + sum(self.suppressed.values())

    def __bool__(self) -> bool:
        return self.count > 0

    def error(self) -> DatasetInvalid:
        """The error to raise: violations in contract order of tables, then by row."""
        listed = sorted(self.violations, key=_reading_order)
        return DatasetInvalid(listed, dict(self.suppressed))


def _reading_order(violation: Violation) -> tuple[int, str, int, int, str, str]:
    """Tables in contract order; within a file, file-wide problems first, then by row,
    then by column in contract order."""
    tables = list(TABLES)
    table = tables.index(violation.table) if violation.table in tables else -1
    columns = TABLES[violation.table].column_names if table >= 0 else ()
    column = columns.index(violation.column) if violation.column in columns else len(columns)
    return (
        table,
        violation.file,
        violation.row or 0,
        column,
        violation.rule,
        violation.value or "",
    )
