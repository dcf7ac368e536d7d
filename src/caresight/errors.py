"""One root for every error caresight raises on purpose.

The CLI prints these as a short message (a traceback only with --debug); the web layer
turns them into one JSON error shape. Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class CaresightError(Exception):
    """Something the user can fix: the message says what and how."""


class ConfigError(CaresightError):
    """The configuration file is missing, unreadable or breaks a rule."""


class StoreError(CaresightError):
    """The store is missing, from another version, or lacks what a command needs."""


@dataclass(frozen=True)
class Violation:
    """One broken rule in one place of an input file."""

    table: str
    file: str
    row: int | None  # 1-based, header excluded; None for the file or header as a whole
    column: str | None
    value: str | None
    rule: str

    def describe(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        column = f", column {self.column}" if self.column else ""
        value = "" if self.value is None else f", value {self.value!r}"
        return f"{where}{column}{value}: {self.rule}"


class DatasetInvalid(CaresightError):
    """A dataset broke the contract; nothing was loaded."""

    def __init__(self, violations: list[Violation], suppressed: dict[str, int] | None = None):
        self.violations = violations
        #: Per rule, how many further violations were not listed.
        self.suppressed = suppressed or {}
        total = len(violations) + sum(self.suppressed.values())
        super().__init__(
            f"the dataset has {total} error(s) and was not loaded; the store is unchanged"
        )

    def report(self) -> str:
        lines = [str(self) + " (row 1 is the first line after a file's header)"]
        lines += [f"  {v.describe()}" for v in self.violations]
        lines += [
            f"  ... and {count} more: {rule}" for rule, count in self.suppressed.items() if count
        ]
        return "\n".join(lines)
