"""FT4xx: rules that compare records with each other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ft_lint.digests import DIGEST_SIZE, canonical_digest
from ft_lint.edits import DeleteDuplicate
from ft_lint.findings import Location, Problem, Severity, place, where
from ft_lint.record import Record
from ft_lint.rules import Dataset, DatasetRule, Option, Summaries

if TYPE_CHECKING:
    import numpy as np


PEERS_DOCUMENTATION = """\
    Across files: the files given in one run (for the pre-commit hook, the data files of a commit)
    are compared with each other when they hold one format and one split: training files (and
    files in no pair) with training files, validation files with validation files. The earlier
    example is the one in the file given first (a folder's files in name order), and the
    finding names its file. A validation file is not compared with the training files it is
    paired with here: an example of both is a leak (FT404, FT405). Files of different formats
    hold different kinds of examples and are not compared; nor is a file of no one format
    (mixed, or not detected), nor a partner read from disk only for its pair. Files that are
    not trained on together (old versions kept next to the current one, one file per task) are
    each their own dataset: set the option `across-files` to false, or lint them in separate runs."""
ACROSS_FILES = Option(True, "compare with the other files of the run (one format, one split); false: each file alone")


class DuplicateExample(DatasetRule):
    __doc__ = f"""The same example again, in the file or another file of the run (key order and JSON spacing ignored).

    Why: a copy weighs its example twice: the model over-learns it, and you pay for it
    twice. The finding sits on each later copy, with the first copy in `related`: the first
    in its own file if there is one there, else the first in the files before it.

{PEERS_DOCUMENTATION}

    Example (flagged): line 9 is {{"messages": [...]}} and line 3 is the same record
    with its keys in another order; or line 2 of e.jsonl is line 5 of d.jsonl.
    Fix: delete the later copies (`ft-lint check --fix` keeps the first). A copy whose first
    copy is in another file is reported and not deleted: which file should keep the example
    (and whether it is still wanted in both) depends on what the files are for.
    """

    code = "FT401"
    name = "duplicate-example"
    severity = Severity.WARNING
    fixable = True
    OPTIONS: ClassVar[dict[str, Option]] = {"across-files": ACROSS_FILES}

    def summarize(self, record: Record) -> bytes:
        return canonical_digest(record.value)

    def check_dataset(self, summaries: Summaries, dataset: Dataset) -> Iterator[tuple[Location, Problem]]:
        import numpy as np

        filenames, files, lines, table = summaries.table(DIGEST_SIZE)
        digests = table.view("<u8")
        first_in_file = _first_copies(files, digests)
        peers = np.take(np.array(dataset.peer_groups(filenames, self.options["across-files"]), dtype=np.int64), files)
        first_of_peers = _first_copies(peers, digests)
        rows = np.arange(len(files))
        for copy in np.flatnonzero(first_in_file != rows).tolist():
            filename, line, first_line = filenames[files[copy]], int(lines[copy]), int(lines[first_in_file[copy]])
            yield (
                Location(filename, line),
                Problem(
                    f"duplicate of the example at {place(filename, first_line)}",
                    related=(Location(filename, first_line),),
                    fix="delete this copy (the first is kept)",
                    edit=DeleteDuplicate(first_line),
                ),
            )
        # The first copy in its own file, not in the run: the later file's copy is reported, not fixed.
        for copy in np.flatnonzero((first_in_file == rows) & (first_of_peers != rows)).tolist():
            first = Location(filenames[files[first_of_peers[copy]]], int(lines[first_of_peers[copy]]))
            yield (
                Location(filenames[files[copy]], int(lines[copy])),
                Problem(f"duplicate of the example at {where(first.filename, first.line)}", related=(first,)),
            )


def _first_copies(groups: np.ndarray, digests: np.ndarray) -> np.ndarray:
    """Per row, the first row of its group with the same digest (the row itself for a first copy)."""
    import numpy as np

    from ft_lint.grouping import shared_groups

    # Grouped by group and digest, copies sit together with the first (within a group rows ascend).
    order, starts_group = shared_groups(groups, digests[:, 0], digests[:, 1])
    first = np.arange(len(groups))
    first[order] = order[np.maximum.accumulate(np.where(starts_group, np.arange(len(order)), 0))]
    return first
