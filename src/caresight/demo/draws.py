"""Random draws the generators share."""

from __future__ import annotations

import numpy as np


def choose(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    """n codes drawn with the given (not necessarily normalised) shares."""
    shares = np.asarray(shares, dtype=np.float64)
    return rng.choice(len(shares), size=n, p=shares / shares.sum())


def pick_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One column per row, drawn with that row's (not necessarily normalised) weights."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    drawn = (rng.random((len(probabilities), 1)) > cumulative).sum(axis=1)
    return np.minimum(drawn, probabilities.shape[1] - 1)
