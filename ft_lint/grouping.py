"""Which of hundreds of thousands of rows share a key, without sorting them all.

The dataset rules group rows by a digest (copies, conflicting answers, LSH buckets), and in real
data almost every row is alone in its group. Sorting every row to find the few that are not
cost ~40 ms per 585,000 keys here, once per rule and 21 times for the LSH bands. `may_repeat`
counts hashed keys in a table instead (no sort: ~9 ms), and only the rows it keeps are sorted
(`shared_groups`).
"""

from __future__ import annotations

import numpy as np

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: multiply-shift hashing spreads any key's bits to the top


def combined_key(*columns: np.ndarray) -> np.ndarray:
    """One uint64 per row that is equal for rows equal in every column (and, rarely, for others):
    what `may_repeat` needs of a grouping by several columns."""
    key = np.zeros(len(columns[0]), dtype=np.uint64)
    for column in columns:
        key = (key ^ column.astype(np.uint64)) * _MULTIPLIER
    return key


def may_repeat(keys: np.ndarray) -> np.ndarray:
    """True for every row whose key occurs more than once, and for a few rows whose key does not
    (those that meet another key in a table of about twice as many slots as rows: ~a quarter)."""
    bits = max(len(keys).bit_length() + 1, 8)
    slots = ((keys.astype(np.uint64) * _MULTIPLIER) >> np.uint64(64 - bits)).astype(np.intp)
    return np.bincount(slots, minlength=1 << bits)[slots] > 1


def shared_groups(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows that may share their value in every column with another row (every row that
    does, and a few alone in their group), sorted into groups, by row within a group; and True
    where a group starts in that order."""
    maybe = np.flatnonzero(may_repeat(combined_key(*columns)))
    order = maybe[np.lexsort(tuple(column[maybe] for column in reversed(columns)))]  # stable
    starts = np.zeros(len(order), dtype=bool)
    starts[:1] = True
    for column in columns:
        in_order = column[order]
        starts[1:] |= in_order[1:] != in_order[:-1]
    return order, starts
