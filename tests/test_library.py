"""The library: ftdata.lint on paths and records, the upload guard, and the report object."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ftdata
from tests.conftest import FIXTURES

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"
HELLO = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
# Other greetings: copies of one record would be duplicates (FT511).
GREETINGS = [{"messages": [{"role": "user", "content": f"Hi, it's {n}"}, HELLO["messages"][1]]} for n in range(12)]


def test_lint_a_path_returns_a_report() -> None:
    report = ftdata.lint(GOOD, model="gpt-4o-mini")
    assert report.ok and report.problems == []
    assert report.tokens is not None and report.tokens.examples == 60 and report.tokens.encoding == "o200k_base"
    assert report.cost is not None and report.cost.usd == pytest.approx(report.tokens.billed * 3 * 3.0 / 1e6)
    assert report.to_dict()["files"][0]["path"] == str(GOOD)


def test_lint_several_paths_and_records() -> None:
    report = ftdata.lint([GOOD, BROKEN])
    assert [f.path for f in report.files] == [str(GOOD), str(BROKEN)] and not report.ok
    records = ftdata.lint([*GREETINGS, {"messages": []}])
    assert [(p.line, p.code) for p in records.problems] == [(None, "FT402"), (13, "FT103")]


def test_problems_never_carry_the_training_text(tmp_path: Path) -> None:
    secret = "SSN 078-05-1120 belongs to " + "J" * 200
    path = tmp_path / "private.jsonl"
    path.write_text('{"messages": [{"role": "' + secret + '", "content": "x"}], "' + secret + '": 1}\n')
    for problem in ftdata.lint(path).problems:
        assert "J" * 30 not in problem.message


def test_ensure_ready_raises_with_the_report() -> None:
    assert ftdata.ensure_ready(GOOD, model="gpt-4o-mini").ok
    with pytest.raises(ftdata.DatasetNotReadyError) as caught:
        ftdata.ensure_ready(BROKEN)
    assert caught.value.report.errors > 10
    assert "broken-chat.jsonl:2: FT001" in str(caught.value)


def test_bad_arguments_raise_ftdata_errors() -> None:
    with pytest.raises(ftdata.UnknownModelError):
        ftdata.lint(GOOD, model="gpt-2")
    with pytest.raises(ftdata.ConfigError, match="unknown option"):
        ftdata.lint(GOOD, colour="red")
    with pytest.raises(ftdata.InputError):
        ftdata.lint("no/such/file.jsonl")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ([], "nothing to check"),
        ([HELLO, str(GOOD)], "records (dicts) and paths together"),
        ([5, None], "item 0 is int: neither a path nor a record"),
        (HELLO, "one record (a dict)"),
    ],
)
def test_records_and_paths_are_never_confused(source: object, message: str) -> None:
    with pytest.raises(ftdata.InputError, match=re.escape(message)):
        ftdata.lint(source)  # type: ignore[arg-type]
    with pytest.raises(ftdata.InputError, match=re.escape(message)):
        ftdata.ensure_ready(source)  # type: ignore[arg-type]


def test_a_record_that_is_not_an_object_is_a_problem_at_its_line() -> None:
    report = ftdata.lint([HELLO, 5, GREETINGS[0]])
    assert [(p.line, p.code) for p in report.problems if p.line is not None] == [(2, "FT005")]


def test_ensure_ready_fails_on_a_dataset_with_no_example(tmp_path: Path) -> None:
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n")
    with pytest.raises(ftdata.DatasetNotReadyError, match="hold no example"):
        ftdata.ensure_ready(blank, ignore=["FT004", "FT401"])


def test_a_file_name_that_is_not_utf8_is_written_escaped(tmp_path: Path) -> None:
    import json
    import os

    from click.testing import CliRunner

    from ftdata.cli import main

    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/caf\xe9.jsonl")
    with open(odd, "wb") as handle:
        handle.write(GOOD.read_bytes()[:0] + b"[1]\n")
    result = CliRunner().invoke(main, ["lint", str(tmp_path), "--isolated", "-f", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["files"][0]["path"].endswith("caf\\xe9.jsonl")
    for output in ("text", "concise", "github"):
        result = CliRunner().invoke(main, ["lint", odd, "--isolated", "-f", output])
        assert result.exit_code == 1 and "caf\\xe9.jsonl" in result.stdout


def test_no_writable_temporary_folder_is_no_obstacle(monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from ftdata import encodings

    def no_temp() -> str:
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.setattr(encodings, "_built", {})
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(tempfile, "gettempdir", no_temp)
    assert ftdata.lint(GOOD, model="gpt-4o-mini").ok


def test_records_with_keys_that_are_not_strings_are_checked() -> None:
    """JSON keys are strings; records built in Python may have others, mixed: never a traceback."""
    report = ftdata.lint([{1: "one", "b": 2}, {**HELLO, 2: "x"}, {"messages": [{1: "a", "role": "user"}]}])
    assert {p.line for p in report.problems if p.line} == {1, 2, 3}
