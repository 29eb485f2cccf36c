"""FT4xx: rules that compare records with each other."""

from __future__ import annotations

from collections.abc import Iterator

from ft_lint.digests import DIGEST_SIZE, canonical_digest
from ft_lint.edits import DeleteDuplicate
from ft_lint.findings import Location, Problem, Severity
from ft_lint.record import Record
from ft_lint.rules import Dataset, DatasetRule, Summaries


class DuplicateExample(DatasetRule):
    """The same example again in one file (key order and JSON spacing ignored).

    Why: a copy weighs its example twice: the model over-learns it, and you pay for it
    twice. The finding sits on each later copy, with the first copy in `related`.

    Example (flagged): line 9 is {"messages": [...]} and line 3 is the same record
    with its keys in another order.
    Fix: delete the later copies (`ft-lint check --fix` keeps the first).
    """

    code = "FT401"
    name = "duplicate-example"
    severity = Severity.WARNING
    fixable = True

    def summarize(self, record: Record) -> bytes:
        return canonical_digest(record.value)

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        from ft_lint.grouping import shared_groups

        filenames, files, lines, table = summaries.table(DIGEST_SIZE)
        digests = table.view("<u8")
        # Grouped by file and digest, copies sit together with the first (within a group lines
        # ascend); duplicates are looked for within one file.
        order, starts_group = shared_groups(files, digests[:, 0], digests[:, 1])
        first = order[np.maximum.accumulate(np.where(starts_group, np.arange(len(order)), 0))]
        copies, originals = order[~starts_group].tolist(), first[~starts_group].tolist()
        for copy, original in zip(copies, originals, strict=True):  # one mask, the same length
            filename, line, first_line = filenames[files[copy]], int(lines[copy]), int(lines[original])
            yield (
                Location(filename, line),
                Problem(
                    f"duplicate of the example at line {first_line}",
                    related=(Location(filename, first_line),),
                    fix="delete this copy (the first is kept)",
                    edit=DeleteDuplicate(first_line),
                ),
            )
