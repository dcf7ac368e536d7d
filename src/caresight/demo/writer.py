"""Writing contract tables chunk by chunk: CSV, Parquet or JSON lines.

Each table gets one file, opened on first use and appended to with every chunk, so a
world of any size is written without holding it in memory. Columns are cast to the
contract's types from `caresight.dataset.schema`, in the contract's order.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from caresight.dataset.schema import FILE_SUFFIXES, TABLES, Table
from caresight.errors import CaresightError

log = logging.getLogger(__name__)

FORMATS = ("csv", "parquet", "jsonl")

_ARROW_TYPES = {
    "str": pa.string(),
    "month": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "decimal": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}
_ISO_SECONDS = "%Y-%m-%dT%H:%M:%S"


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a contract table, columns in contract order."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.type]) for c in table.columns])


def clear_folder(folder: Path) -> None:
    """Create `folder`, or remove the table files a previous world left in it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        for suffix in FILE_SUFFIXES:
            (folder / f"{name}{suffix}").unlink(missing_ok=True)


def _to_arrow(values: Any, type_: pa.DataType) -> pa.Array:
    """Numpy arrays (NaT and NaN meaning empty) or Arrow arrays, cast to `type_`."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values), from_pandas=True)
    if values.type != type_:
        values = values.cast(type_)
    return values


def _as_text(column: pa.Array) -> pa.Array:
    """Timestamps as ISO 8601 with a T, the way the contract shows them."""
    if pa.types.is_timestamp(column.type):
        return pc.strftime(column, format=_ISO_SECONDS)
    return column


def _json_value(column: pa.Array) -> pa.Array:
    """Each value as a JSON literal (null for empty)."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        text = _as_text(column).cast(pa.string())
        text = pc.replace_substring(text, "\\", "\\\\")
        text = pc.replace_substring(text, '"', '\\"')
        literal = pc.binary_join_element_wise('"', text, '"', "")
    else:
        literal = column.cast(pa.string())
    return pc.fill_null(literal, "null")


def _jsonl_lines(table: pa.Table) -> pa.Array:
    """One JSON object per row, built column-wise."""
    parts: list[Any] = []
    for i, name in enumerate(table.column_names):
        prefix = "{" if i == 0 else ","
        parts.append(f'{prefix}"{name}":')
        parts.append(_json_value(table.column(i).combine_chunks()))
    parts.append("}\n")
    return pc.binary_join_element_wise(*parts, "")


class _TableFile:
    """One table's open file in one format."""

    def __init__(self, path: Path, schema: pa.Schema, file_format: str):
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pa_csv.CSVWriter | None = None
        self._raw: BinaryIO | None = None
        # CSV and JSON lines carry timestamps as ISO text with a T.
        self._text_schema = pa.schema(
            [pa.field(f.name, pa.string()) if pa.types.is_timestamp(f.type) else f
             for f in schema]
        )
        if file_format == "parquet":
            self._parquet = pq.ParquetWriter(path, schema, compression="zstd")
        elif file_format == "csv":
            self._csv = pa_csv.CSVWriter(path, self._text_schema)
        else:
            self._raw = path.open("wb")

    def write(self, table: pa.Table) -> None:
        if self._parquet is not None:
            self._parquet.write_table(table)
        elif self._csv is not None:
            columns = [_as_text(c.combine_chunks()) for c in table.columns]
            self._csv.write_table(pa.Table.from_arrays(columns, schema=self._text_schema))
        elif self._raw is not None and table.num_rows:
            self._raw.write(_text_bytes(_jsonl_lines(table)))
        self.rows += table.num_rows

    def close(self) -> None:
        for handle in (self._parquet, self._csv, self._raw):
            if handle is not None:
                handle.close()


def _text_bytes(lines: pa.Array) -> memoryview:
    """The UTF-8 bytes of a string array, one value after the other."""
    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    _, offsets_buffer, data = lines.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=width)[lines.offset:]
    return memoryview(data)[int(offsets[0]) : int(offsets[len(lines)])]


class DatasetWriter:
    """Appends rows to every contract table of a folder; counts what it wrote.

    Use as a context manager; on exit every contract table has a file, empty tables
    included (a header only for CSV, an empty file for JSON lines).
    """

    def __init__(self, folder: Path, file_format: str):
        if file_format not in FORMATS:
            raise CaresightError(
                f"unknown file format {file_format!r}; use one of {', '.join(FORMATS)}"
            )
        self.folder = folder
        self.format = file_format
        self._files: dict[str, _TableFile] = {}

    def write(self, name: str, columns: dict[str, Any]) -> int:
        """Append rows given as {column: array}; every contract column must be present."""
        contract = TABLES[name]
        missing = set(contract.column_names) - set(columns)
        extra = set(columns) - set(contract.column_names)
        if missing or extra:
            raise ValueError(f"{name}: missing columns {missing}, unknown columns {extra}")

        schema = arrow_schema(contract)
        arrays = [_to_arrow(columns[f.name], f.type) for f in schema]
        table = pa.Table.from_arrays(arrays, schema=schema)
        self._file(name).write(table)
        return table.num_rows

    def _file(self, name: str) -> _TableFile:
        if name not in self._files:
            path = self.folder / f"{name}.{self.format}"
            self._files[name] = _TableFile(path, arrow_schema(TABLES[name]), self.format)
        return self._files[name]

    @property
    def rows(self) -> dict[str, int]:
        return {name: f.rows for name, f in sorted(self._files.items())}

    def close(self) -> None:
        for name in TABLES:
            self._file(name)
        for table_file in self._files.values():
            table_file.close()
        for name, count in self.rows.items():
            log.info("wrote %s rows to %s.%s", f"{count:,}", name, self.format)

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
