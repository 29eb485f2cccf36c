"""FT124-FT125: Together's tokenized data, a Parquet file of token ids (the together-tokenized
format). Together trains on the ids as they are, so what a tokenizer and a chat template would
guarantee is the file's own job: the lists of a row line up, and the loss is masked with -100
where nothing is trained. A row's tokens are its input_ids, counted exactly (ft_lint.tokens), so
FT301 and FT302 hold it to the model's context as they do every example."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ft_lint.findings import Problem, Severity, pointer_of
from ft_lint.record import Record
from ft_lint.rules import RecordRule

FORMAT = "together-tokenized"
IGNORED = -100  # the label the loss skips (PyTorch's cross-entropy ignore_index)
TOKEN_LISTS = ("input_ids", "attention_mask", "labels", "position_ids")


def _token_lists(record: Record) -> dict[str, list[Any]] | None:
    """The row's token lists, for a record of Together's tokenized format (else None)."""
    if record.format is None or record.format.name != FORMAT or not isinstance(record.value.get("input_ids"), list):
        return None
    return {key: value for key in TOKEN_LISTS if isinstance(value := record.value.get(key), list)}


class UnequalTokenLists(RecordRule):
    """A tokenized row whose `attention_mask`, `labels` or `position_ids` is not as long as its
    `input_ids`.

    Why: each list holds one value per token; the trainer reads them position by position,
    so lists of different lengths fail the job or, cut to the shortest, mask and train the
    wrong tokens. It is what a tokenizer run with one setting for the ids and another for the
    mask or the labels (truncation, padding) leaves.

    How it decides: every list present is compared with `input_ids`; one finding per row, at
    the first list that differs. Values that are not lists are the schema's (FT101).

    Example (flagged): `input_ids` of 512 tokens and `labels` of 511 (shifted and cut by one).
    Fix: build the mask and the labels from the same tokenized ids.
    """

    code = "FT124"
    name = "unequal-token-lists"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        lists = _token_lists(record)
        if lists is None:
            return
        tokens = len(lists["input_ids"])
        for key in TOKEN_LISTS[1:]:
            if key in lists and len(lists[key]) != tokens:
                yield Problem(f"{key} has {len(lists[key]):,} values for {tokens:,} input_ids", pointer_of(key))
                return


class UnmaskedLabels(RecordRule):
    """Tokenized labels that are neither the token at their position nor -100, padding that
    is trained, or a row with nothing to train.

    Why: Together takes `labels` as they are: -100 where no loss is taken, else the token the
    model learns at that position; it shifts them itself ("You don't need to shift labels
    relative to input_ids"), and padding takes attention_mask 0 and label -100. Labels shifted
    by one, or copied from another row, train the model on the wrong tokens without an error;
    padding without -100 trains it to write padding; a row all -100 has no loss at all.

    How it decides, one finding per row, the first that holds: where `attention_mask` is 0 the
    label (or, without `labels`, the input id Together then trains on) must be -100; a label
    other than -100 must equal the input id at its position (the first that differs is named,
    and said to be shifted when the labels equal the ids one position later); a row whose every
    label is -100 trains nothing (a warning). Rows with lists of different lengths are FT124's.

    Example (flagged): labels [-100, -100, 9906, 1917] for input_ids [128000, 9906, 1917, 0]
    (shifted by one; the pad at the end is trained).
    Fix: copy input_ids to labels and set -100 at the prompt and at the padding.
    """

    code = "FT125"
    name = "unmasked-labels"
    severity = Severity.ERROR

    def check_record(self, record: Record) -> Iterator[Problem]:
        lists = _token_lists(record)
        if lists is None:
            return
        ids = lists["input_ids"]
        labels = lists.get("labels")
        mask = lists.get("attention_mask", [])
        if any(len(values) != len(ids) for values in lists.values()):
            return  # FT124's
        trained = labels if labels is not None else ids
        key = "labels" if labels is not None else "input_ids"
        # without an attention_mask (the schema's to report) nothing is padding
        padded = [i for i, (bit, label) in enumerate(zip(mask, trained, strict=False)) if bit == 0 and label != IGNORED]
        if padded:
            unlabelled = "" if labels is not None else " (no labels: Together trains on input_ids)"
            count = (
                f"{len(padded):,} positions with attention_mask 0 are"
                if len(padded) > 1
                else "a position with attention_mask 0 is"
            )
            yield Problem(f"{count} trained{unlabelled}; label padding -100", pointer_of(key, padded[0]))
            return
        if labels is None:
            return
        pairs = enumerate(zip(labels, ids, strict=True))
        wrong = next((i for i, (label, token) in pairs if label not in (IGNORED, token)), None)
        if wrong is not None:
            shifted = all(label in (IGNORED, token) for label, token in zip(labels, ids[1:], strict=False))
            why = "; the labels are input_ids shifted by one, which Together does itself" if shifted else ""
            yield Problem(
                f"label {labels[wrong]} at position {wrong} is neither -100 nor the input id there ({ids[wrong]}){why}",
                pointer_of("labels", wrong),
            )
        elif all(label == IGNORED for label in labels):
            yield Problem(
                "every label is -100: the row trains nothing", pointer_of("labels"), severity=Severity.WARNING
            )
