"""FT4xx: rules across records."""

from __future__ import annotations

import json
import random

import samples as s
from ft_lint.findings import Location
from support import codes, lint_paths, of, where, write_jsonl

# FT401 duplicate-example


def test_later_copy_is_flagged_with_the_first_in_related(lint_records):
    findings = lint_records(s.DUPLICATE_ORIGINAL, s.CHAT, s.DUPLICATE_REORDERED)
    [finding] = of(findings, "FT401")
    assert (finding.line, finding.pointer) == (3, "")
    assert finding.related == (Location(finding.filename, 1),)
    assert finding.message == "duplicate of the example at line 1" and finding.fix
    assert codes(findings) == {"FT401"}


def test_json_spacing_is_ignored(lint_records):
    spaced = json.dumps(s.DUPLICATE_ORIGINAL, indent=None, separators=(" ,  ", " :   "))
    assert where(lint_records(s.DUPLICATE_ORIGINAL, spaced), "FT401") == [(2, "")]


def test_every_later_copy_points_at_the_first(lint_records):
    findings = of(lint_records(s.CHAT, s.DUPLICATE_ORIGINAL, s.CHAT, s.CHAT), "FT401")
    assert [(f.line, [r.line for r in f.related]) for f in findings] == [(3, [1]), (4, [1])]


def test_invalid_records_are_compared_too(lint_records):
    assert where(lint_records(s.NO_FORMAT, s.NO_FORMAT), "FT401") == [(2, "")]


def test_different_records_are_not_duplicates(lint_records):
    findings = lint_records(
        s.DUPLICATE_ORIGINAL,
        s.NEAR_COPY,
        s.CHAT,
        s.PROMPT_COMPLETION,
        {"completion": " Paris", "prompt": "Capital of France"},
    )
    assert not of(findings, "FT401")


def test_values_differing_only_in_type_are_not_duplicates(lint_records):
    assert not of(lint_records({"prompt": "1", "completion": "2"}, {"prompt": 1, "completion": "2"}), "FT401")


def test_copies_in_a_training_and_its_validation_file_are_leaks_not_duplicates(tmp_path):
    first = write_jsonl(tmp_path / "train.jsonl", [s.CHAT])
    second = write_jsonl(tmp_path / "valid.jsonl", [s.CHAT])
    assert not of(lint_paths([first, second]), "FT401")
    assert of(lint_paths([first, second]), "FT404")


def test_duplicate_in_a_json_array_file_reports_the_lines_where_records_start(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps([s.CHAT, s.PROMPT_COMPLETION, s.CHAT], indent=2))
    [finding] = of(lint_paths([path]), "FT401")
    starts = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line == "  {"]
    assert (finding.line, finding.related[0].line) == (starts[2], starts[0])


def test_copies_starting_on_the_same_line_of_a_json_array_file(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps([s.CHAT, s.CHAT]))
    assert [(f.line, f.related[0].line) for f in of(lint_paths([path]), "FT401")] == [(1, 1)]


def test_many_copies_in_two_files_point_at_their_files_first_else_the_first_files(tmp_path):
    rng = random.Random(4)
    records = [{"prompt": f"question {n}", "completion": f" answer {n}"} for n in range(80)]
    paths, expected, first_in_run = [], set(), {}
    for name in ("a.jsonl", "b.jsonl"):
        chosen = [rng.choice(records) for _ in range(400)]
        path = write_jsonl(tmp_path / name, chosen)
        first: dict[str, int] = {}
        for line, record in enumerate(chosen, start=1):
            key = json.dumps(record, sort_keys=True)
            if key in first:
                expected.add((path.as_posix(), line, path.as_posix(), first[key]))
            elif key in first_in_run:  # a copy of a record of a.jsonl: named, never deleted
                expected.add((path.as_posix(), line, *first_in_run[key]))
            first.setdefault(key, line)
        first_in_run.update({key: (path.as_posix(), line) for key, line in first.items() if key not in first_in_run})
        paths.append(path)
    found = {(f.filename, f.line, f.related[0].filename, f.related[0].line) for f in of(lint_paths(paths), "FT401")}
    assert found == expected and len(expected) > 500
    assert {f.related[0].filename != f.filename for f in of(lint_paths(paths), "FT401") if f.edit} == {False}
