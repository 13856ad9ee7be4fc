"""CI output formats and output options of ``ftdata lint``: SARIF, JUnit, GitLab, JSON lines, GitHub groups and
step summary, --output-file, --quiet, --statistics, --color, narrow stdout encodings and ``ftdata schema``.

Every test runs the real command (click's CliRunner, or a real process) on real files on disk.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest

from ftdata import __version__
from ftdata.formatters import formats_for
from ftdata.registry import find_rule
from tests.conftest import FIXTURES, ROOT, assert_valid_report, invoke, tomllib

EXAMPLES = FIXTURES / "examples"
GOOD = EXAMPLES / "support-chat.jsonl"
BROKEN = EXAMPLES / "broken-chat.jsonl"
SARIF_SCHEMA = Path(
    os.environ.get("FTDATA_SARIF_SCHEMA", ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json")
)
CHAT = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}'
# Twelve different chats: a file needs ten examples, and copies of one would be duplicates (FT511).
CHATS = [CHAT.replace('"Hi"', f'"Hi, question {n}"') for n in range(12)]
NEW_FORMATS = ["sarif", "junit", "gitlab", "json-lines"]


run = invoke


def lint(*args: str, **kwargs: Any) -> tuple[int, str, str]:
    return run("lint", *args, "--isolated", **kwargs)


def json_report(*args: str) -> dict[str, Any]:
    code, out, _ = lint(*args, "-f", "json")
    assert code in (0, 1)
    return assert_valid_report(json.loads(out))


def relative_copy(tmp_path: Path, source: Path, name: str | None = None) -> str:
    """A copy of ``source`` in tmp_path, named relative to the working folder (which the test moves there)."""
    target = tmp_path / (name or source.name)
    target.write_bytes(source.read_bytes())
    return target.name


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def warn_only(folder: Path) -> Path:
    path = folder / "warn.jsonl"
    path.write_text("".join(chat + "\n" for chat in CHATS) + "\n")  # a blank line: one warning, no error
    return path


# --- SARIF --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    assert SARIF_SCHEMA.is_file(), f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA} (set FTDATA_SARIF_SCHEMA)"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_sarif_is_valid_sarif_2_1_0_and_says_what_json_says(in_tmp: Path, sarif_validator: Any) -> None:
    broken, good = relative_copy(in_tmp, BROKEN), relative_copy(in_tmp, GOOD)
    code, out, err = lint(broken, good, "-m", "gpt-4o-mini", "-f", "sarif")
    assert code == 1 and err == ""
    document = json.loads(out)
    sarif_validator.validate(document)
    bad = copy.deepcopy(document)
    bad["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(bad)  # the validator does bite
    (sarif_run,) = document["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "ftdata" and driver["version"] == __version__
    problems = [(f["path"], p) for f in json_report(broken, good, "-m", "gpt-4o-mini")["files"] for p in f["problems"]]
    results = sarif_run["results"]
    assert len(results) == len(problems) > 15
    assert [r["id"] for r in driver["rules"]] == sorted({p["code"] for _, p in problems})  # the rules that appear
    level = {"error": "error", "warning": "warning", "info": "note"}
    for result, (path, problem) in zip(results, problems, strict=True):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == problem["code"]
        assert result["level"] == level[problem["severity"]]
        assert result["message"]["text"].endswith(problem["message"])
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == path  # relative, as given
        assert location["region"]["startLine"] == (problem["line"] or 1)  # file-level problems at line 1
        assert location["region"].get("startColumn") == problem["column"]
    assert {"startLine": 2, "startColumn": 92} in [r["locations"][0]["physicalLocation"]["region"] for r in results]
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    rule = next(r for r in driver["rules"] if r["id"] == "FT106")
    registered = find_rule("FT106")
    assert rule["name"] == "invalid-role" and rule["shortDescription"]["text"] == registered.summary
    assert rule["fullDescription"]["text"].startswith("Flags a `role` that is not one of `system`")
    assert rule["help"]["text"].startswith("Why is this bad?\nThe service rejects the file.")
    assert "Use instead" in rule["help"]["text"] and '"role": "user"' in rule["help"]["text"]
    assert "**Why is this bad?**" in rule["help"]["markdown"] and "```jsonl" in rule["help"]["markdown"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert next(r for r in driver["rules"] if r["id"] == "FT402")["defaultConfiguration"] == {"level": "note"}


def test_sarif_fingerprints_are_unique_and_survive_unrelated_edits(in_tmp: Path) -> None:
    def fingerprints(path: str) -> list[tuple[str, int, str]]:
        code, out, _ = lint(path, "-f", "sarif")
        assert code == 1
        return [
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"]["ftdata/v1"],
            )
            for r in json.loads(out)["runs"][0]["results"]
        ]

    data = in_tmp / "data.jsonl"
    lines = [*CHATS, '{"messages": []}', "", "", '{"messages": [{"role": "human", "content": "x"}]}']
    data.write_text("\n".join(lines) + "\n")
    first = fingerprints("data.jsonl")
    assert first == fingerprints("data.jsonl")  # stable across runs
    assert len({fp for *_, fp in first}) == len(first)  # unique, even for two identical blank-line problems
    assert sum(code == "FT004" for code, *_ in first) == 2
    above = [CHAT.replace('"Hi"', f'"{text}"') for text in ("Good morning", "Good evening")]
    data.write_text("\n".join([*above, *lines]) + "\n")  # two unrelated lines above every problem
    moved = fingerprints("data.jsonl")
    assert {(c, line + 2, fp) for c, line, fp in first if line > 1} == {
        (c, line, fp) for c, line, fp in moved if line > 1
    }
    data.write_text("\n".join(lines).replace('"human"', '"bot"') + "\n")  # the problem itself changed
    changed = dict(((c, line), fp) for c, line, fp in fingerprints("data.jsonl"))
    assert changed[("FT106", 16)] != dict(((c, line), fp) for c, line, fp in first)[("FT106", 16)]


def test_sarif_uris_for_stdin_absolute_and_odd_paths(tmp_path: Path, sarif_validator: Any) -> None:
    code, out, _ = lint("-", "-f", "sarif", input='{"messages": []}\n')
    assert code == 1
    sarif_validator.validate(json.loads(out))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"-"}
    odd = tmp_path / "my data #1.jsonl"
    odd.write_text('{"messages": []}\n')
    document = json.loads(lint(str(odd), "-f", "sarif")[1])
    sarif_validator.validate(document)
    uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == odd.as_uri() and "%20" in uri and "%231" in uri


# --- JUnit --------------------------------------------------------------------------------------------------


def junit(*args: str) -> tuple[int, ET.Element]:
    code, out, err = lint(*args, "-f", "junit")
    assert code in (0, 1), err
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return code, ET.fromstring(out.encode("utf-8"))


def test_junit_has_a_suite_per_file_a_case_per_rule_and_a_failure_per_error(in_tmp: Path) -> None:
    broken, good = relative_copy(in_tmp, BROKEN), relative_copy(in_tmp, GOOD)
    code, root = junit(broken, good)
    assert code == 1 and root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [broken, good]
    problems = json_report(broken)["files"][0]["problems"]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == [
        f"{code} {name}" for code, name in sorted({(p["code"], p["name"]) for p in problems})
    ]
    assert all(c.get("classname") == broken for c in cases)
    failures = [f for c in cases for f in c.findall("failure")]
    errors = [p for p in problems if p["severity"] == "error"]
    assert len(failures) == len(errors) == int(suites[0].get("failures", "")) + 1  # FT110 fails twice, one case
    assert any(f.get("message", "").startswith("line 10: FT106 role 'human' is not one of") for f in failures)
    ft004 = next(c for c in cases if c.get("name") == "FT004 blank-line")
    assert ft004.find("failure") is None  # a warning passes without --strict, listed in system-out
    assert (
        ft004.findtext("system-out")
        == "line 3: FT004 blank line; JSONL has one example per line, so delete it [warning]"
    )
    assert [c.get("name") for c in suites[1].findall("testcase")] == ["no problems"]
    assert suites[1].find("testcase/failure") is None
    assert root.get("tests") == str(len(cases) + 1) and root.get("failures") == suites[0].get("failures")


@pytest.mark.parametrize(
    ("case", "args"),
    [
        ("clean", [str(GOOD)]),
        ("errors", [str(BROKEN)]),
        ("warnings", ["WARN"]),
        ("warnings, strict", ["WARN", "--strict"]),
        ("over budget", [str(GOOD), "-m", "gpt-4o-mini", "--max-usd", "0.001"]),
        ("within budget", [str(GOOD), "-m", "gpt-4o-mini", "--max-usd", "100"]),
        ("cap per rule", ["MANY", "--max-problems-per-rule", "1"]),
        ("cap per rule, strict", ["MANY", "--strict", "--max-problems-per-rule", "1"]),
    ],
)
def test_junit_fails_exactly_when_the_exit_code_does(case: str, args: list[str], tmp_path: Path) -> None:
    many = tmp_path / "many.jsonl"
    many.write_text("".join(c + "\n" for c in CHATS) + "\n\n\n")  # three blank lines: warnings, two past a cap of 1
    args = [str(warn_only(tmp_path)) if a == "WARN" else str(many) if a == "MANY" else a for a in args]
    code, root = junit(*args)
    failures = root.findall(".//failure")
    assert (len(failures) > 0) == (code == 1), case
    if case.startswith("cap per rule"):
        left_out = "2 more FT004 (warning) found past max-problems-per-rule: counted, not listed"
        assert [f.get("message") for f in failures][-1:] == ([left_out] if "strict" in case else [])
        assert ("strict" in case) != (left_out in (root.findtext(".//system-out") or ""))
    assert int(root.get("failures", "")) == sum(1 for c in root.iter("testcase") if c.find("failure") is not None)
    if "--max-usd" in args:
        (budget,) = [s for s in root if s.get("name") == "budget"]
        assert (budget.find("testcase/failure") is not None) == (case == "over budget")
    if case == "warnings":
        assert "FT004" in (root.findtext(".//system-out") or "")


def test_junit_stays_parseable_with_control_characters_in_a_file_name(tmp_path: Path) -> None:
    odd = tmp_path / "odd\x01\x1b name&<>.jsonl"
    odd.write_text('{"messages": []}\n')
    code, root = junit(str(odd))
    assert code == 1 and root[0].get("name") == str(odd).replace("\x01", "\ufffd").replace("\x1b", "\ufffd")


# --- GitLab Code Quality and JSON lines ---------------------------------------------------------------------


def test_gitlab_code_quality_issues(in_tmp: Path) -> None:
    broken, good = relative_copy(in_tmp, BROKEN), relative_copy(in_tmp, GOOD)
    code, out, _ = lint(broken, good, "-f", "gitlab")
    assert code == 1
    issues = json.loads(out)
    problems = json_report(broken, good)["files"][0]["problems"]
    assert len(issues) == len(problems)
    severity = {"error": "major", "warning": "minor", "info": "info"}
    for issue, problem in zip(issues, problems, strict=True):
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == problem["code"] and issue["severity"] == severity[problem["severity"]]
        assert issue["location"] == {"path": broken, "lines": {"begin": problem["line"] or 1}}
        assert issue["description"].startswith(f"{problem['code']} {problem['name']}: ")
        assert issue["description"].endswith(problem["message"]) and re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    sarif = json.loads(lint(broken, good, "-f", "sarif")[1])["runs"][0]["results"]
    assert [i["fingerprint"] for i in issues] == [r["partialFingerprints"]["ftdata/v1"] for r in sarif]
    assert lint(good, "-f", "gitlab")[1] == "[]\n"  # a clean file: an empty report, still an array


def test_json_lines_streams_one_problem_per_line_then_the_summary(in_tmp: Path) -> None:
    broken, good = relative_copy(in_tmp, BROKEN), relative_copy(in_tmp, GOOD)
    code, out, _ = lint(broken, good, "-m", "gpt-4o-mini", "-f", "json-lines")
    assert code == 1 and out.endswith("}\n")
    rows = [json.loads(line) for line in out.splitlines()]
    document = json_report(broken, good, "-m", "gpt-4o-mini")
    problems = [{"file": f["path"], **p} for f in document["files"] for p in f["problems"]]
    assert rows[:-1] == problems
    assert all(
        list(row) == ["file", "code", "name", "severity", "line", "column", "path", "message"] for row in rows[:-1]
    )
    (summary,) = rows[-1].values()
    assert list(rows[-1]) == ["summary"]
    assert {k: v for k, v in summary.items() if k not in ("files", "inputs_failed")} == document["summary"]
    assert summary["inputs_failed"] == document["inputs_failed"] == []
    assert summary["files"] == [{k: v for k, v in f.items() if k != "problems"} for f in document["files"]]
    assert lint(good, "-f", "json-lines")[1].count("\n") == 1  # nothing found: the summary line alone


# --- GitHub Actions -----------------------------------------------------------------------------------------


def test_github_groups_each_file_with_its_annotations_tokens_and_cost(in_tmp: Path) -> None:
    broken, good = relative_copy(in_tmp, BROKEN), relative_copy(in_tmp, GOOD)
    code, out, _ = lint(broken, good, "-m", "gpt-4o-mini", "-f", "github")
    assert code == 1
    lines = out.splitlines()
    groups: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if line.startswith("::group::"):
            assert current is None
            current = line.removeprefix("::group::")
            groups[current] = []
        elif line == "::endgroup::":
            current = None
        elif current is not None:
            groups[current].append(line)
        else:
            assert line.startswith(("::notice title=ftdata::", "ftdata: ")), line
    assert list(groups) == [broken, good]
    assert all(f"file={broken}," in a for a in groups[broken] if a.startswith("::"))
    assert not any(a.startswith("::") for a in groups[good])
    for name in (broken, good):
        assert any(line.startswith("  Tokens (o200k_base") for line in groups[name])
        assert any(line.startswith("  Cost on gpt-4o-mini-2024-07-18: ") for line in groups[name])
    assert "  no problems found" in groups[good]
    levels = [a.split(" ", 1)[0] for a in groups[broken] if a.startswith("::")]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)  # errors first
    assert lines[-1].startswith("ftdata: not ready")


def test_github_caps_annotations_across_files_and_reports_a_budget_failure(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.jsonl").write_text('{"messages": []}\n' * 30)
    code, out, _ = lint(str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "-f", "github")
    assert code == 1
    assert sum(line.startswith("::error file=") for line in out.splitlines()) == 50
    assert "::notice title=ftdata::70 more problem(s) not shown as annotations" in out  # 60 + 2 FT402 + 58 FT511
    code, out, _ = lint(str(GOOD), "-m", "gpt-4o-mini", "--max-usd", "0.01", "-f", "github")
    assert code == 1
    assert "::error title=ftdata budget::the estimate $0.06 is above --max-usd $0.01" in out.splitlines()


def test_github_appends_a_markdown_summary_to_the_step_summary(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken, good = relative_copy(in_tmp, BROKEN), relative_copy(in_tmp, GOOD, "good|data.jsonl")
    summary = in_tmp / "step-summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = lint(broken, good, "-m", "gpt-4o-mini", "--max-usd", "0.05", "-f", "github")
    assert code == 1 and "::group::" in out and "cannot append" not in err
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n\n### ftdata: not ready")  # appended, never overwritten
    assert "| file | role | format | examples | tokens | billed per epoch | cost |" in text
    assert re.search(
        r"^\| broken-chat\.jsonl \| training \| chat \| 17 \| [\d,]+ \| [\d,]+ \| \\\$0\.16 on ", text, re.M
    )
    assert "| good\\|data.jsonl | training | chat | 60 | 6,790 | 6,790 | \\$0.06 on gpt-4o-mini-2024-07-18" in text
    assert "**Over budget**: the estimate \\$0.22 is above --max-usd \\$0.05." in text
    assert "| rule | name | severity | problems |" in text and "| FT110 | unknown-top-level-key | error | 2 |" in text
    before = summary.read_text(encoding="utf-8")
    lint(good, "-f", "json")  # only the github format writes there
    assert summary.read_text(encoding="utf-8") == before
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(in_tmp / "no-such-folder" / "summary.md"))
    code, _, err = lint(good, "-f", "github")
    assert code == 0 and "ftdata: warning: cannot append to $GITHUB_STEP_SUMMARY" in err


# --- --output-file ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "junit"])
def test_output_file_holds_the_output_and_stderr_the_summary_line(output_format: str, tmp_path: Path) -> None:
    target = tmp_path / "report.out"
    target.write_text("an older, much longer report\n" * 1000)
    code, out, err = lint(str(BROKEN), "-f", output_format, "-o", str(target))
    assert code == 1 and out == ""
    assert err == lint(str(BROKEN))[1].splitlines()[-1] + "\n" and err.startswith("ftdata: not ready: ")
    assert target.read_text(encoding="utf-8") == lint(str(BROKEN), "-f", output_format)[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.out"]  # no temporary file left behind
    code, out, err = lint(str(GOOD), "-f", output_format, "--output-file", str(target), "-q")
    assert (code, out, err) == (0, "", "")  # --quiet: not even the summary line
    assert target.read_text(encoding="utf-8") == lint(str(GOOD), "-f", output_format, "-q")[1]


def test_output_file_is_never_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("the previous report\n")

    def fail(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, out, err = lint(str(BROKEN), "-f", "json", "-o", str(target))
    assert code == 2 and out == "" and f"ftdata: error: cannot write {target}: No space left on device" in err
    assert target.read_text() == "the previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    code, _, err = lint(str(BROKEN), "-o", str(tmp_path / "missing" / "report.txt"))
    assert code == 2 and "does not exist" in err


def test_output_file_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_bytes(BROKEN.read_bytes())
    before = data.read_bytes()
    for args in (
        [str(data), "-o", str(data)],
        [str(GOOD), "--validation-file", str(data), "-o", str(data)],
        [str(tmp_path), "-f", "json", "-o", str(data)],  # through the folder it stands in
    ):
        code, out, err = lint(*args)
        assert code == 2 and out == "" and f"--output-file {data} is the input file" in err, args
        assert data.read_bytes() == before
    link = tmp_path / "link.jsonl"
    link.symlink_to(data)
    code, _, err = lint(str(data), "-o", str(link))
    assert code == 2 and "is the input file" in err and data.read_bytes() == before


# --- --quiet, --statistics, --color -------------------------------------------------------------------------


def test_quiet_prints_only_the_problems() -> None:
    code, out, _ = lint(str(BROKEN), str(GOOD), "-m", "gpt-4o-mini", "-q")
    assert code == 1
    assert out.startswith(f"{BROKEN}  (chat, 17 examples)\n") and "FT106 invalid-role" in out
    for absent in ("Tokens", "Cost on", "Problems by rule", "no problems found", "ftdata:", str(GOOD)):
        assert absent not in out
    assert lint(str(GOOD), "-q") == (0, "", "")
    for machine in ("json", "sarif", "github", "json-lines"):
        assert lint(str(BROKEN), "-f", machine, "-q") == lint(str(BROKEN), "-f", machine), machine


def test_statistics_counts_by_rule_only(tmp_path: Path) -> None:
    many = tmp_path / "blank.jsonl"
    many.write_bytes(GOOD.read_bytes() + b"\n" * 30)
    code, out, _ = lint(str(many), str(BROKEN), "--statistics", "--max-problems-per-rule", "5")
    assert code == 1
    rows = [re.fullmatch(r" *([\d,]+)  (FT\d{3}) +([a-z-]+) +(error|warning|info)", line) for line in out.splitlines()]
    assert all(rows), out
    counts = {m.group(2): int(m.group(1).replace(",", "")) for m in rows if m}
    assert counts["FT004"] == 31 and counts["FT106"] == 1  # the problems past the cap are counted too
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    code, out, _ = lint(str(many), str(BROKEN), "--statistics", "-f", "json")
    assert code == 1 and {row["code"]: row["count"] for row in json.loads(out)} == counts
    assert lint(str(GOOD), "--statistics") == (0, "", "")
    code, out, err = lint(str(GOOD), "--statistics", "-f", "sarif")
    assert code == 2 and out == "" and "--statistics prints text, concise, json, not sarif" in err


def test_color_only_where_asked_and_only_in_text_and_concise() -> None:
    plain, _ = lint(str(BROKEN))[1], lint(str(BROKEN), "-f", "concise")[1]
    for output_format in ("text", "concise"):
        coloured = lint(str(BROKEN), "-f", output_format, "--color", "always")[1]
        assert "\x1b[31m\x1b[1merror\x1b[0m" in coloured and "\x1b[1mFT106\x1b[0m" in coloured
        assert click.unstyle(coloured) == lint(str(BROKEN), "-f", output_format)[1]  # colours only, same text
    assert "\x1b[" not in plain  # auto: stdout is no terminal here
    assert "\x1b[" in lint(str(BROKEN), env={"FORCE_COLOR": "1"})[1]
    assert "\x1b[" not in lint(str(BROKEN), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1]
    assert "\x1b[" not in lint(str(BROKEN), "--color", "never", env={"FORCE_COLOR": "1"})[1]
    assert "\x1b[" in lint(str(BROKEN), "--color", "always", env={"NO_COLOR": "1"})[1]  # the option wins
    for machine in ["json", "github", *NEW_FORMATS]:
        assert "\x1b" not in lint(str(BROKEN), "-f", machine, "--color", "always")[1], machine


# --- narrow encodings ---------------------------------------------------------------------------------------


def test_a_narrow_stdout_encoding_gets_what_it_can_hold(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(
        '{"messages": [{"role": "日本語のロールです、はい", "content": "Hi"}, {"role": "assistant", "content": "x"}]}'
        "\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    outputs = {}
    for output_format in ("text", "json"):
        out = tmp_path / f"out.{output_format}"
        with open(out, "wb") as stdout:
            done = subprocess.run(
                [sys.executable, "-m", "ftdata", "lint", str(data), "--isolated", "-f", output_format],
                stdout=stdout,
                stderr=subprocess.PIPE,
                env=env,
                check=False,
            )
        assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
        outputs[output_format] = out.read_bytes()
    text = outputs["text"].decode("cp1252")
    assert re.search(r"role '\?+… is not one of", text) and "日" not in text  # "…" is in cp1252, "日" is not
    assert "Tokens (o200k_base)" in text and "· median" in text
    document = json.loads(outputs["json"].decode("utf-8"))  # machine formats: UTF-8 whatever the stream's encoding
    assert "日本語" in document["files"][0]["problems"][-1]["message"]


# --- ftdata schema ------------------------------------------------------------------------------------------


def test_schema_command_prints_the_shipped_schema() -> None:
    code, out, _ = run("schema")
    schema_file = ROOT / "ftdata" / "report.schema.json"
    assert code == 0 and out == schema_file.read_text(encoding="utf-8")
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    with open(ROOT / "pyproject.toml", "rb") as handle:
        package_data = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["ftdata"]
    assert "report.schema.json" in package_data  # shipped in the wheel, so 'ftdata schema' works installed


def test_every_kind_of_json_report_follows_the_schema(tmp_path: Path) -> None:
    many = tmp_path / "blank.jsonl"
    many.write_bytes(GOOD.read_bytes() + b"\n" * 30)
    documents = [
        json_report(*(str(p) for p in sorted(EXAMPLES.glob("*.jsonl"))), "-m", "gpt-4o-mini"),
        json_report(str(GOOD), "--validation-file", str(BROKEN), "-m", "gpt-4o-mini", "--max-usd", "0.01"),
        json_report(str(many), "--max-problems-per-rule", "2", "--epochs", "2"),
    ]
    code, out, _ = lint("-", "-f", "json", input="")
    assert code == 1  # an empty file
    documents.append(assert_valid_report(json.loads(out)))
    assert documents[1]["summary"]["over_budget"] is True and documents[2]["files"][0]["problems_left_out"]
    assert documents[1]["files"][1]["role"] == "validation" and documents[1]["files"][1]["cost"] is None


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d.pop("summary"),
        lambda d: d["files"][0]["problems"][0].update(severity="fatal"),
        lambda d: d["files"][0]["problems"][0].update(line=0),
        lambda d: d["files"][0].update(problems_left_out={"FT004": "many"}),
        lambda d: d["summary"].pop("over_budget"),
        lambda d: d["files"][0]["tokens"].pop("billed"),
        lambda d: d["files"][0]["problems"][0].update(undocumented=True),  # the closed copy refuses it
    ],
)
def test_the_schema_refuses_a_wrong_document(mutation: Any) -> None:
    document = json_report(str(BROKEN), "-m", "gpt-4o-mini", "--max-usd", "10")
    mutation(document)
    with pytest.raises(AssertionError):
        assert_valid_report(document)


# --- the README ---------------------------------------------------------------------------------------------


def test_readme_documents_every_lint_format_and_output_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("## The command", 1)[1].split("\n## ", 1)[0]
    paragraph = command.split("**Output formats.**", 1)[1]
    (row,) = [line for line in command.splitlines() if line.startswith("| `-f, --format ")]
    assert row.split("`")[1].removeprefix("-f, --format ").split("\\|") == formats_for("lint")
    for name in formats_for("lint"):
        assert f"`{name}`" in paragraph, name
    for option in ("-o, --output-file PATH", "-q, --quiet", "--statistics", "--color auto\\|always\\|never"):
        assert f"| `{option}` |" in command, option
    assert "`ftdata schema`" in readme


def test_a_path_that_could_not_be_read_shows_in_every_machine_format(in_tmp: Path) -> None:
    good = relative_copy(in_tmp, GOOD)
    code, out, _ = lint(good, "nope.jsonl", "-f", "sarif")
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert code == 2 and invocation["executionSuccessful"] is False
    assert any("nope.jsonl" in n["message"]["text"] for n in invocation["toolExecutionNotifications"])
    code, out, _ = lint(good, "nope.jsonl", "-f", "junit")
    assert code == 2 and 'name="nope.jsonl"' in out and 'type="input"' in out
    code, out, _ = lint(good, "nope.jsonl", "-f", "json-lines")
    assert code == 2 and json.loads(out.splitlines()[-1])["summary"]["inputs_failed"][0]["path"] == "nope.jsonl"


def test_one_file_reached_twice_is_checked_once(in_tmp: Path) -> None:
    good = relative_copy(in_tmp, GOOD)
    code, out, _ = lint(".", good, "-f", "json")
    (only,) = json.loads(out)["files"]
    assert code == 0 and os.path.samefile(only["path"], good)
    code, out, _ = lint(good, "--validation-file", good, "-f", "gitlab")
    prints = [issue["fingerprint"] for issue in json.loads(out)]
    assert len(prints) == len(set(prints)) > 0  # training and validation copies differ by role
