"""Output formats: one registry renders every command, each --format lists what supports it, JSON parses."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

import ftdata
from ftdata import formatters
from ftdata.catalog import load_catalog
from ftdata.config import Settings
from ftdata.formatters import (
    OUTPUT_FORMATS,
    SUBJECTS,
    OutputFormat,
    RenderOptions,
    Subject,
    formats_for,
    register_format,
    render,
)
from ftdata.profiles import known_targets, load_profile
from ftdata.registry import all_rules
from tests.conftest import FIXTURES, PINNED_TODAY, assert_valid_report, invoke

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"
MODEL = "gpt-4o-mini-2024-07-18"
# The command line for each subject (without --format), and the exit code it should end with.
COMMANDS: dict[Subject, tuple[list[str], int]] = {
    "lint": (["lint", str(GOOD), str(BROKEN), "--isolated", "-m", "gpt-4o-mini"], 1),
    "cost": (["cost", str(GOOD), "--isolated"], 0),
    "models": (["models", "--isolated"], 0),
    "targets": (["targets", "--isolated"], 0),
    "rules": (["rules"], 0),
}
EXPECTED_FORMATS: dict[Subject, list[str]] = {
    "lint": ["text", "concise", "json", "github", "sarif", "junit", "gitlab", "json-lines"],
    "cost": ["text", "json"],
    "models": ["text", "json"],
    "targets": ["text", "json"],
    "rules": ["text", "json"],
}


run = invoke  # every json lint output is held to ftdata/report.schema.json


def subject_value(subject: Subject) -> Any:
    """What the command for ``subject`` renders, computed through the library."""
    if subject == "lint":
        return ftdata.lint([str(GOOD), str(BROKEN)], model="gpt-4o-mini", settings=Settings())
    if subject == "cost":
        return ftdata.estimate_cost(str(GOOD), settings=Settings())
    if subject == "models":
        return load_catalog()
    if subject == "targets":
        return [load_profile(name) for name in known_targets()]
    return all_rules()


def check_lint_text(out: str) -> None:
    assert "FT106 invalid-role" in out and "Problems by rule:" in out and out.startswith(str(GOOD))
    assert out.rstrip().splitlines()[-1].startswith("ftdata: not ready: ")


def check_lint_concise(out: str) -> None:
    assert f"{BROKEN}:10:1: FT106 [error] $.messages[1].role:" in out
    assert all(line.startswith(f"{BROKEN}:") for line in out.splitlines())


def check_lint_github(out: str) -> None:
    assert f"::error file={BROKEN},line=10,title=FT106 invalid-role::" in out
    assert out.rstrip().splitlines()[-1].startswith("ftdata: not ready")
    assert out.startswith(f"::group::{GOOD}\n") and out.count("::group::") == out.count("::endgroup::") == 2


def check_lint_sarif(out: str) -> None:
    document = json.loads(out)
    assert document["version"] == "2.1.0" and document["runs"][0]["tool"]["driver"]["name"] == "ftdata"
    results = document["runs"][0]["results"]
    ft106 = next(r for r in results if r["ruleId"] == "FT106")
    assert ft106["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": BROKEN.as_uri()},  # an absolute path as given: a file:// URI
        "region": {"startLine": 10},
    }


def check_lint_junit(out: str) -> None:
    root = ET.fromstring(out.encode())
    assert [suite.get("name") for suite in root] == [str(GOOD), str(BROKEN)]
    assert int(root.get("failures", "0")) > 0
    messages = [f.get("message") for f in root.iter("failure")]
    assert any(m and m.startswith("line 10: FT106 ") for m in messages)


def check_lint_gitlab(out: str) -> None:
    issues = json.loads(out)
    assert isinstance(issues, list) and issues
    assert {"location": {"path": str(BROKEN), "lines": {"begin": 10}}, "check_name": "FT106"}.items() <= next(
        issue for issue in issues if issue["check_name"] == "FT106"
    ).items()


def check_lint_json_lines(out: str) -> None:
    rows = [json.loads(line) for line in out.splitlines()]
    assert list(rows[-1]) == ["summary"] and rows[-1]["summary"]["errors"] > 0
    assert {"file": str(BROKEN), "code": "FT106", "line": 10}.items() <= next(
        row for row in rows if row.get("code") == "FT106"
    ).items()


def check_lint_json(out: str) -> None:
    document = assert_valid_report(json.loads(out))
    assert document["schema_version"] == 1 and [f["path"] for f in document["files"]] == [str(GOOD), str(BROKEN)]
    assert document["files"][0]["cost"]["model"] == MODEL and document["summary"]["errors"] > 0


def check_cost_text(out: str) -> None:
    assert out.startswith(f"{GOOD}: chat, 60 examples, ") and "trained tokens" in out
    assert re.search(rf"^openai +{MODEL} .* \$\d+\.\d\d\b", out, re.M) and "Prices taken " in out
    assert re.search(r"^together +Qwen/Qwen3-8B +.* \$\d+\.\d\d +unverified", out, re.M)  # its own tokenizer
    assert re.search(r"^together +mistralai/Mistral-7B-Instruct-v0.2 ~ ", out, re.M)  # files not here: estimated


def check_cost_json(out: str) -> None:
    document = json.loads(out)
    assert set(document) == {"schema_version", "prices_taken", "files", "models", "max_usd", "over_budget", "notes"}
    assert MODEL in [m["model"] for m in document["models"]]


def check_models_text(out: str) -> None:
    assert out.startswith("Models of target openai:\n\nmodel ") and re.search(
        rf"^{MODEL}  .*gpt-4o-mini.*o200k_base", out, re.M
    )
    assert "* = not verified at a primary source" in out


def check_models_json(out: str) -> None:
    document = json.loads(out)
    assert document == load_catalog().model_dump(mode="json")
    assert MODEL in [m["name"] for m in document["models"]]


def check_targets_text(out: str) -> None:
    rows = {line.split()[0]: line for line in out.splitlines()[1:8]}
    assert out.startswith("target ") and set(rows) == {
        *("openai", "azure-openai", "together", "fireworks"),
        *("trl", "axolotl", "unsloth"),
    }
    assert re.search(r"^trl .*local training .* no limit", out, re.M)
    assert re.search(r"3-3,000,000 +not published", rows["fireworks"]) and "512 MiB" in rows["openai"]


def check_targets_json(out: str) -> None:
    document = json.loads(out)
    by_name = {target["name"]: target for target in document}
    assert by_name["azure-openai"]["extends"] == "openai" and MODEL in by_name["openai"]["models"]
    assert by_name["together"]["conversation"]["alternating_turns"]["value"] is True
    assert all(source["date"] for target in document for source in target["sources"].values())


def check_rules_text(out: str) -> None:
    lines = out.splitlines()
    assert len(lines) == len(all_rules()) and lines[0].startswith("FT001  invalid-json ")
    ft301 = next(line for line in lines if line.startswith("FT301"))
    assert re.match(r"^FT301  example-too-long +tokens +warning  Flags an example with more tokens", ft301)


def check_rules_json(out: str) -> None:
    rows = json.loads(out)
    assert len(rows) == len(all_rules())
    assert rows[0] == {
        "code": "FT001",
        "name": "invalid-json",
        "group": "file",
        "severity": "error",
        "summary": all_rules()[0].summary,
        "options": {},
        "module": "ftdata.rules.invalid_json",
    }


CHECKS: dict[tuple[str, Subject], Callable[[str], None]] = {
    ("text", "lint"): check_lint_text,
    ("concise", "lint"): check_lint_concise,
    ("github", "lint"): check_lint_github,
    ("json", "lint"): check_lint_json,
    ("sarif", "lint"): check_lint_sarif,
    ("junit", "lint"): check_lint_junit,
    ("gitlab", "lint"): check_lint_gitlab,
    ("json-lines", "lint"): check_lint_json_lines,
    ("text", "cost"): check_cost_text,
    ("json", "cost"): check_cost_json,
    ("text", "models"): check_models_text,
    ("json", "models"): check_models_json,
    ("text", "targets"): check_targets_text,
    ("json", "targets"): check_targets_json,
    ("text", "rules"): check_rules_text,
    ("json", "rules"): check_rules_json,
}
REGISTERED = [(f.name, subject) for f in OUTPUT_FORMATS.values() for subject in SUBJECTS if f.supports(subject)]


def test_the_registry_holds_the_expected_formats_and_each_has_a_check() -> None:
    assert {subject: formats_for(subject) for subject in SUBJECTS} == EXPECTED_FORMATS
    assert sorted(REGISTERED) == sorted(CHECKS), "a format renders a subject this file does not check"


@pytest.mark.parametrize(("name", "subject"), REGISTERED, ids=[f"{n}-{s}" for n, s in REGISTERED])
def test_every_format_renders_every_subject_it_claims(name: str, subject: Subject) -> None:
    args, exit_code = COMMANDS[subject]
    code, out, err = run(*args, "--format", name)
    assert code == exit_code, err
    assert err == ""  # nothing but the rendering, and nothing on stderr either for these inputs
    CHECKS[name, subject](out)
    # the command prints exactly what the registry renders for the same value
    assert out == render(name, subject, subject_value(subject), RenderOptions(today=PINNED_TODAY)) + "\n"


def test_json_is_indented_by_two_spaces() -> None:
    for subject in SUBJECTS:
        out = run(*COMMANDS[subject][0], "-f", "json")[1]
        assert re.match(r'^[\[{]\n  [{"]', out), subject


@pytest.mark.parametrize("subject", SUBJECTS)
def test_help_lists_exactly_the_formats_that_support_the_command(subject: Subject) -> None:
    code, out, _ = run(subject, "--help")
    assert code == 0
    listed = re.search(r"-f, --format \[([^\]]+)\]", out)
    assert listed, out
    assert listed.group(1).split("|") == formats_for(subject) == EXPECTED_FORMATS[subject]


def test_a_format_the_command_does_not_support_is_refused() -> None:
    code, out, err = run("cost", str(GOOD), "--isolated", "--format", "github")
    assert code == 2 and out == "" and "'github' is not one of 'text', 'json'" in err
    with pytest.raises(ValueError, match="'concise' does not render models; models renders as text, json"):
        render("concise", "models", load_catalog())
    lint_formats = "text, concise, json, github, sarif, junit, gitlab, json-lines"
    with pytest.raises(ValueError, match=f"'xml' is not an output format; lint renders as {lint_formats}"):
        render("xml", "lint", subject_value("lint"))


def test_a_registered_format_becomes_available_to_its_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "tsv" not in run("rules", "--help")[1]
    monkeypatch.setattr(formatters, "OUTPUT_FORMATS", dict(OUTPUT_FORMATS))
    register_format(
        OutputFormat(
            "tsv",
            "tab-separated values",
            lint=lambda report, options: f"{len(report.problems)}\t{options.show_all}\t{options.today}",
            rules=lambda rules, options: "\n".join(f"{r.code}\t{r.name}" for r in rules),
        )
    )
    for subject in ("lint", "rules"):
        assert "|tsv]" in run(subject, "--help")[1]
    for subject in ("cost", "models"):
        assert "tsv" not in run(subject, "--help")[1]
    code, out, _ = run("rules", "-f", "tsv")
    assert code == 0 and out.splitlines()[0] == "FT001\tinvalid-json" and len(out.splitlines()) == len(all_rules())
    problems = len(json.loads(run("lint", str(BROKEN), "--isolated", "-f", "json")[1])["files"][0]["problems"])
    code, out, _ = run("lint", str(BROKEN), "--isolated", "-f", "tsv", "--show-all")
    assert code == 1 and out == f"{problems}\tTrue\t{PINNED_TODAY}\n"  # the command's options reach the renderer
    code, _, err = run("cost", str(GOOD), "--isolated", "-f", "tsv")
    assert code == 2 and "'tsv' is not one of" in err


def test_register_format_refuses_a_duplicate_and_a_format_that_renders_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(formatters, "OUTPUT_FORMATS", dict(OUTPUT_FORMATS))
    with pytest.raises(ValueError, match="'json' is already registered"):
        register_format(OutputFormat("json", "again", rules=lambda rules, options: ""))
    with pytest.raises(ValueError, match="'empty' renders nothing"):
        register_format(OutputFormat("empty", "no renderer"))
    assert list(formatters.OUTPUT_FORMATS) == EXPECTED_FORMATS["lint"]  # every format renders lint
    assert all(f.description for f in formatters.OUTPUT_FORMATS.values())


def test_concise_with_no_problems_prints_nothing() -> None:
    code, out, err = run("lint", str(GOOD), "--isolated", "-f", "concise")
    assert (code, out, err) == (0, "", "")
