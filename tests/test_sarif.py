"""`--output-format sarif`: valid SARIF 2.1.0 (against the official schema, vendored in
tests/schemas with its provenance) that code scanning can map onto the repository's files."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

import jsonschema
import pytest
from click.testing import CliRunner

from ft_lint.cli import cli
from ft_lint.rules import catalog

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
EMPTY_ANSWER = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]}
ODD_KEY = {**CHAT, "a/b~c": 1}  # its pointer, /a~1b~0c, needs RFC 6901 escapes


# the rules this data is written for (others, e.g. too-few-examples, would fire on so little data)
SELECT = "FT004,FT102,FT201,FT401"


def run_check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--select", SELECT, *args])
    return result.exit_code, result.stdout


@pytest.fixture
def repository(tmp_path, monkeypatch) -> Path:
    """A repository with data in a folder whose name needs percent-encoding, run from that folder."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    data = root / "my data"
    data.mkdir()
    lines = [json.dumps(CHAT), json.dumps(EMPTY_ANSWER), "", json.dumps(ODD_KEY), json.dumps(CHAT)]
    (data / "train set.jsonl").write_text("\n".join(lines) + "\n")
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(json.dumps(EMPTY_ANSWER) + "\n")
    monkeypatch.chdir(data)
    return root


def file_of(location: dict, base_ids: dict) -> Path:
    artifact = location["physicalLocation"]["artifactLocation"]
    uri = artifact["uri"]
    if "uriBaseId" in artifact:
        assert not urlparse(uri).scheme, "a URI with a base is relative"
        uri = urljoin(base_ids[artifact["uriBaseId"]]["uri"], uri)
    parsed = urlparse(uri)
    assert parsed.scheme == "file"
    return Path(url2pathname(parsed.path))


def test_sarif_is_valid_and_matches_the_findings(repository):
    outside = str(repository.parent / "elsewhere.jsonl")
    code, sarif_text = run_check("--output-format", "sarif", "train set.jsonl", outside)
    assert code == 1
    sarif = json.loads(sarif_text)
    jsonschema.Draft7Validator(SCHEMA).validate(sarif)

    _, json_text = run_check("--output-format", "json", "train set.jsonl", outside)
    findings = json.loads(json_text)
    run = sarif["runs"][0]
    results = run["results"]
    assert len(results) == len(findings) >= 5  # FT201 twice, FT004, FT102, FT401
    base_ids = run["originalUriBaseIds"]
    assert base_ids["%SRCROOT%"]["uri"] == repository.as_uri() + "/"
    for result, finding in zip(results, findings, strict=True):
        location = result["locations"][0]
        assert result["ruleId"] == finding["code"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding["code"]
        assert location["physicalLocation"]["region"]["startLine"] == finding["line"]
        assert file_of(location, base_ids) == Path(finding["filename"]).absolute()
        if finding["pointer"]:
            assert location["logicalLocations"][0]["fullyQualifiedName"] == finding["pointer"]
            assert finding["pointer"] in result["message"]["text"]
        else:
            assert "logicalLocations" not in location
        for related, expected in zip(result.get("relatedLocations", []), finding["related"], strict=True):
            assert related["physicalLocation"]["region"]["startLine"] == expected["line"]
    inside = [r for r in results if "uriBaseId" in r["locations"][0]["physicalLocation"]["artifactLocation"]]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in inside} == {
        "my%20data/train%20set.jsonl"
    }
    outside_results = [r for r in results if r not in inside]
    assert [r["ruleId"] for r in outside_results] == ["FT201", "FT401"]  # a copy of the example at line 2
    copy_inside = outside_results[1]["relatedLocations"][0]["physicalLocation"]
    assert copy_inside["artifactLocation"] == {"uri": "my%20data/train%20set.jsonl", "uriBaseId": "%SRCROOT%"}
    assert copy_inside["region"]["startLine"] == 2
    odd = next(r for r in results if r["ruleId"] == "FT102")
    assert odd["locations"][0]["logicalLocations"][0]["name"] == "a/b~c"
    assert any(r["ruleId"] == "FT401" and r["relatedLocations"] for r in results)


def test_sarif_rules_carry_the_rule_documentation(repository):
    _, sarif_text = run_check("--output-format", "sarif", "train set.jsonl")
    rules = json.loads(sarif_text)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(catalog())
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for described, rule in zip(rules, catalog().values(), strict=True):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary()
        assert described["help"]["text"] == rule.documentation()
        assert rule.documentation() in described["help"]["markdown"]
        assert described["defaultConfiguration"]["level"] == levels[rule.severity.label]


def test_clean_data_gives_a_valid_run_without_results(repository):
    (repository / "clean.jsonl").write_text(json.dumps(CHAT) + "\n")
    code, sarif_text = run_check("--output-format", "sarif", "../clean.jsonl")
    assert code == 0
    sarif = json.loads(sarif_text)
    jsonschema.Draft7Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []
