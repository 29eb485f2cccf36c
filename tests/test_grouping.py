"""ft_lint.grouping: finding the rows that may share a key without sorting them all."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ft_lint.grouping import combined_key, may_repeat, shared_groups


@pytest.mark.parametrize("count", [0, 1, 2, 1_000, 100_000])
def test_every_repeated_key_is_kept(count):
    rng = np.random.default_rng(count)
    keys = rng.integers(0, 2**64, count, dtype=np.uint64, endpoint=False)
    keys[: count // 10] = keys[count // 10 : 2 * (count // 10)]  # a tenth of the keys twice
    repeated = Counter(keys.tolist())
    expected = np.array([repeated[key] > 1 for key in keys.tolist()], dtype=bool)
    kept = may_repeat(keys)
    assert kept.shape == (count,)
    assert not (expected & ~kept).any()  # never a repeated key dropped


def test_most_keys_seen_once_are_dropped():
    keys = np.random.default_rng(7).integers(0, 2**64, 200_000, dtype=np.uint64, endpoint=False)
    assert 0 < may_repeat(keys).mean() < 0.4  # what the sort is spared: the point of the filter


def test_keys_differing_only_in_low_or_high_bits_are_told_apart():
    low = np.arange(50_000, dtype=np.uint64)  # sequential ids
    high = low << np.uint64(40)
    assert may_repeat(low).mean() < 0.4 and may_repeat(high).mean() < 0.4


def test_combined_key_is_equal_for_equal_rows_and_rarely_otherwise():
    rng = np.random.default_rng(1)
    files = rng.integers(0, 3, 10_000)
    digests = rng.integers(0, 50, 10_000, dtype=np.uint64)
    keys = combined_key(files, digests)
    by_row: dict[tuple[int, int], int] = {}
    for file, digest, key in zip(files.tolist(), digests.tolist(), keys.tolist(), strict=True):
        assert by_row.setdefault((file, digest), key) == key
    assert len(set(by_row.values())) == len(by_row)  # 150 distinct rows, 150 distinct keys
    assert combined_key(np.array([1]), np.array([2])) != combined_key(np.array([2]), np.array([1]))  # order counts


@pytest.mark.parametrize("values", [3, 1_000, 2**40])  # most rows in shared groups .. nearly all alone
def test_shared_groups_hold_every_row_that_has_company_in_order(values):
    rng = np.random.default_rng(values)
    files = rng.integers(0, 2, 5_000)
    keys = rng.integers(0, values, 5_000, dtype=np.uint64)
    keys[3_000:3_200] = keys[:200]  # company even among unique values
    order, starts = shared_groups(files, keys)
    groups: dict[tuple[int, int], list[int]] = {}
    for row, group in enumerate(zip(files.tolist(), keys.tolist(), strict=True)):
        groups.setdefault(group, []).append(row)
    # the groups as found: rows in order, each group whole and once
    found = [members.tolist() for members in np.split(order, np.flatnonzero(starts)[1:])] if len(order) else []
    assert all(members == groups[(int(files[members[0]]), int(keys[members[0]]))] for members in found)
    assert len({(int(files[m[0]]), int(keys[m[0]])) for m in found}) == len(found)
    assert {row for members in found for row in members} >= {
        row for members in groups.values() if len(members) > 1 for row in members
    }
