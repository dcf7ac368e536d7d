"""Turning numeric codes into the strings the dataset carries, vectorised with Arrow."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def names(vocabulary: Sequence[str], codes: np.ndarray) -> pa.Array:
    """vocabulary[code] for every code; a negative code is an empty value."""
    codes = np.asarray(codes, dtype=np.int64)
    indices = pa.array(codes, mask=codes < 0)
    return pa.array(list(vocabulary), pa.string()).take(indices)


def numbered(prefix: str | pa.Array, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix followed by the number padded with zeros, e.g. ACC-000042."""
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()),
                          width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def join(*parts: str | pa.Array) -> pa.Array:
    """Element-wise concatenation of strings and string arrays."""
    return pc.binary_join_element_wise(*parts, "")


def take(values: pa.Array, indices: np.ndarray) -> pa.Array:
    """values[index] for every index; a negative index is an empty value."""
    indices = np.asarray(indices, dtype=np.int64)
    return values.take(pa.array(indices, mask=indices < 0))


def sequence_within(groups: np.ndarray) -> np.ndarray:
    """1, 2, 3, ... within runs of equal values of a sorted `groups` array."""
    groups = np.asarray(groups)
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths) + 1
