"""Tokens per example against the model's limit: the bins the HTML report draws and the job summary
prints (`ft-lint stats --html`, the GitHub Action).

The scale runs from 0 to the limit, in equal bins whose last one ends exactly at the limit, so a
line drawn at the scale's end is the limit; the examples over it are counted apart (`over`). When
the longest example is under LIMIT_IN_VIEW of the limit, that scale would squeeze every example
into its first bin or two: the bins then run from 0 to the longest example, and the limit lies
off the scale (`limit_on_scale` False), which the charts say in words.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

BINS = 20
LIMIT_IN_VIEW = 0.25  # the longest example's share of the limit from which the limit is drawn


@dataclass(frozen=True)
class Bin:
    low: int  # tokens, both ends included
    high: int
    count: int


@dataclass(frozen=True)
class LimitHistogram:
    bins: list[Bin]  # equal widths (to a token), from 0 to `end`
    end: int  # where the scale ends: the limit, or the longest example when the limit is off the scale
    limit: int
    over: int  # examples longer than the limit (not in `bins`)
    longest: int

    @property
    def limit_on_scale(self) -> bool:
        return self.end == self.limit

    @property
    def tallest(self) -> int:
        return max([self.over, *(b.count for b in self.bins)])


def against_limit(values: Sequence[int], limit: int, bins: int = BINS) -> LimitHistogram:
    """The examples' token counts in bins from 0 to the limit (or to the longest, far under it)."""
    longest = max(values, default=0)
    end = limit if longest >= LIMIT_IN_VIEW * limit else max(longest, 1)
    bins = min(bins, end)
    # bin i holds (edges[i], edges[i + 1]]; the first also holds 0
    edges = [round(i * end / bins) for i in range(bins + 1)]
    counts = [0] * bins
    over = 0
    for value in values:
        if value > end:
            over += 1
        else:
            counts[max(0, bisect_left(edges, value) - 1)] += 1
    return LimitHistogram(
        bins=[Bin(edges[i] + (i > 0), edges[i + 1], counts[i]) for i in range(bins)],
        end=end,
        limit=limit,
        over=over,
        longest=longest,
    )
