"""The library: ftdata.lint on paths and records, the upload guard, and the report object."""

from __future__ import annotations

from pathlib import Path

import pytest

import ftdata
from tests.conftest import FIXTURES

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"
HELLO = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}


def test_lint_a_path_returns_a_report() -> None:
    report = ftdata.lint(GOOD, model="gpt-4o-mini")
    assert report.ok and report.problems == []
    assert report.tokens is not None and report.tokens.examples == 60 and report.tokens.encoding == "o200k_base"
    assert report.cost is not None and report.cost.usd == pytest.approx(report.tokens.billed * 3 * 3.0 / 1e6)
    assert report.to_dict()["files"][0]["path"] == str(GOOD)


def test_lint_several_paths_and_records() -> None:
    report = ftdata.lint([GOOD, BROKEN])
    assert [f.path for f in report.files] == [str(GOOD), str(BROKEN)] and not report.ok
    records = ftdata.lint([HELLO] * 12 + [{"messages": []}])
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
