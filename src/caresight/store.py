"""The store: one DuckDB file holding the loaded dataset and the computed results.

Everything that reads or writes the store goes through `Store`, which hands out both the
raw DuckDB connection (for loading files with DuckDB's readers) and an ibis backend over
the same connection (for KPI logic that must also run on other ibis backends).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from caresight.errors import StoreError

if TYPE_CHECKING:
    import duckdb
    from ibis.backends.duckdb import Backend

log = logging.getLogger(__name__)

DEFAULT_STORE = Path("caresight.duckdb")

#: Key/value facts about what the store holds (dataset fingerprint, as-of of the results).
META_TABLE = "caresight_meta"


class Store:
    """An open store. Use as a context manager so the file is closed on every path."""

    def __init__(
        self,
        path: Path,
        *,
        create: bool = False,
        read_only: bool = False,
        memory_limit: str | None = None,
    ):
        import duckdb

        self.path = path
        if not create and not path.exists():
            raise StoreError(
                f"there is no store at {path}; load a dataset first with "
                f"`caresight load DIR --store {path}`"
            )
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from None

        # Timestamps without an offset are UTC, and stored as UTC.
        self.con.execute("SET TimeZone = 'UTC'")
        # The CLI draws its own progress; duckdb's bar would draw over it.
        self.con.execute("SET enable_progress_bar = false")
        if memory_limit:
            self._limit_memory(memory_limit)
        self._ibis: Backend | None = None

    def _limit_memory(self, limit: str) -> None:
        """Past the limit DuckDB spills to a temporary folder beside the store instead of
        growing; without one it may take most of the machine's memory on a large load."""
        import duckdb

        try:
            self.con.execute(f"SET memory_limit = '{limit}'")
        except duckdb.Error:
            self.close()
            raise StoreError(
                f"memory_limit {limit!r} is not a size DuckDB understands; write it like "
                "'4GB' or '512MB'"
            ) from None

    @property
    def ibis(self) -> Backend:
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def has_table(self, name: str) -> bool:
        # fetchall, not fetchone: duckdb keeps a half-read result open on the connection,
        # and the next ibis query on it then fails.
        rows = self.con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = ?",
            [name],
        ).fetchall()
        return bool(rows[0][0])

    def require(self, *names: str, then: str = "") -> None:
        """Raise StoreError unless the store has these tables; `then` names the command
        that makes the missing ones, beyond loading a dataset."""
        missing = [n for n in names if not self.has_table(n)]
        if missing:
            steps = f"`caresight load DIR --store {self.path}`"
            if then:
                steps += f" and then `{then}`"
            raise StoreError(
                f"the store {self.path} has no {', '.join(missing)}; run {steps} first"
            )

    def meta(self, key: str) -> str | None:
        if not self.has_table(META_TABLE):
            return None
        rows = self.con.execute(f"SELECT value FROM {META_TABLE} WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None

    def set_meta(self, **values: str) -> None:
        """Record facts; call inside the caller's transaction to keep them in step."""
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR, value VARCHAR)")
        for key, value in values.items():
            self.con.execute(f"DELETE FROM {META_TABLE} WHERE key = ?", [key])
            self.con.execute(f"INSERT INTO {META_TABLE} VALUES (?, ?)", [key, value])

    def clear_meta(self, prefix: str) -> None:
        """Forget every fact whose key starts with `prefix` (say, results now stale)."""
        if self.has_table(META_TABLE):
            self.con.execute(f"DELETE FROM {META_TABLE} WHERE starts_with(key, ?)", [prefix])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
