"""Every rule: its fixture cases, its documentation's examples, and its declaration."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest

import ftdata
import ftdata.config
from ftdata.formats import is_plain_chat
from ftdata.registry import all_rules, find_rule
from tests.conftest import FIXTURES, iter_fixture_cases, write_jsonl

RULES = all_rules()


def lint_only(
    tmp_path: Path,
    rule_name: str,
    text: str,
    settings: dict[str, Any] | None = None,
    validation: str | None = None,
) -> set[tuple[Any, Any]]:
    """(line, path) of the problems one rule finds in a JSONL text, with every other rule off.

    ``validation``: the text of the job's validation file, "same" for the training file itself, or "last"
    for the text's last line (the other lines are the training file); the problems must then all be in
    the validation file.
    """
    if validation == "last":
        lines = text.rstrip("\n").split("\n")
        assert len(lines) >= 2, "validation=last needs a training line and a validation line"
        text, validation = "\n".join(lines[:-1]) + "\n", lines[-1] + "\n"
    path = write_jsonl(tmp_path, text)
    held_out = None
    if validation is not None:
        held_out = path if validation == "same" else write_jsonl(tmp_path, validation, "validation.jsonl")
    report = ftdata.lint(
        path,
        select=[rule_name],
        validation_file=held_out,
        **{k.replace("-", "_"): v for k, v in (settings or {}).items()},
    )
    rule = find_rule(rule_name)
    assert all(p.code == rule.code for p in report.problems)
    if held_out is not None:
        assert all(p.file == str(held_out) and f.role == "validation" for f in report.files for p in f.problems)
    return {(p.line, p.path) for p in report.problems}


@pytest.mark.real_today
@pytest.mark.parametrize(("rule_name", "case"), list(iter_fixture_cases()))
def test_fixture_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule_name: str, case: dict[str, Any]) -> None:
    if "today" in case:
        monkeypatch.setattr("ftdata.target.today", lambda: case["today"])
    expected = {("file" if e["line"] == "file" else e["line"], e.get("path")) for e in case["expect"]}
    found = {
        (line if line is not None else "file", path)
        for line, path in lint_only(
            tmp_path,
            rule_name,
            case["jsonl"],
            case.get("settings"),
            case.get("validation"),
        )
    }
    if all("path" not in e for e in case["expect"]):
        found = {(line, None) for line, _ in found}
    assert found == expected


def test_every_rule_has_failing_and_passing_fixtures() -> None:
    for rule in RULES:
        path = FIXTURES / "rules" / f"{rule.name}.toml"
        assert path.is_file(), f"{rule.code} {rule.name} has no fixture file {path.relative_to(FIXTURES.parent)}"
        cases = [case for param in iter_fixture_cases() if param.values[0] == rule.name for case in [param.values[1]]]
        assert any(c["expect"] for c in cases), f"{rule.name}: no case that triggers it"
        assert any(not c["expect"] for c in cases), f"{rule.name}: no case that passes"


def test_no_fixture_file_without_a_rule() -> None:
    names = {rule.name for rule in RULES}
    for path in (FIXTURES / "rules").glob("*.toml"):
        assert path.stem in names, f"{path.name} names no rule"


_BLOCK = re.compile(r"^(Example|Use instead)\n-+\n```jsonl([^\n]*)\n(.*?)```", re.M | re.S)


def doc_examples() -> list[Any]:
    params = []
    for rule in RULES:
        blocks = _BLOCK.findall(rule.doc)
        assert {b[0] for b in blocks} == {"Example", "Use instead"}, f"{rule.code}: jsonl blocks missing"
        for section, info, body in blocks:
            settings = dict(item.split("=", 1) for item in info.split())
            params.append(pytest.param(rule.name, section, body, settings, id=f"{rule.code}:{section}"))
    return params


@pytest.mark.real_today  # the docs' examples must hold on the day they are read
@pytest.mark.parametrize(("rule_name", "section", "body", "settings"), doc_examples())
def test_docstring_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule_name: str, section: str, body: str, settings: dict[str, str]
) -> None:
    if "today" in settings:  # an example about dates names the day it holds on
        day = datetime.date.fromisoformat(settings.pop("today"))
        monkeypatch.setattr("ftdata.target.today", lambda: day)
    typed = {
        key: json.loads(value) if value[:1] in "[{" or value.isdigit() else value for key, value in settings.items()
    }
    found = lint_only(tmp_path, rule_name, body, typed, typed.pop("validation", None))
    if section == "Example":
        assert found, f"the docstring's Example does not trigger {rule_name}"
    else:
        assert not found, f"the docstring's 'Use instead' triggers {rule_name}: {found}"


def test_codes_match_groups_and_are_unique() -> None:
    hundreds = {"file": "0", "structure": "1", "content": "2", "tokens": "3", "dataset": "4", "quality": "5"}
    assert len({r.code for r in RULES}) == len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.code.startswith("FT" + hundreds[rule.group]), f"{rule.code} is not in group {rule.group}"


def test_rules_are_installed_under_ftdata_not_top_level() -> None:
    import ftdata.rules

    assert Path(ftdata.rules.__file__).parent.name == "rules"
    assert all(r.module.startswith("ftdata.rules.") for r in RULES)


def test_docstring_examples_are_json_where_they_should_be() -> None:
    """A broken example would 'pass' by triggering nothing: every record-level example must parse."""
    from tests.conftest import materialize

    for rule in RULES:
        for section, _, body in _BLOCK.findall(rule.doc):
            if rule.group == "file" and section == "Example":
                continue  # these examples are broken files on purpose
            for number, line in enumerate(materialize(body).splitlines(), start=1):
                if line.strip():
                    assert isinstance(json.loads(line), dict), f"{rule.code} {section} line {number} is not an object"


def _plain_chat_corpus() -> list[dict[str, Any]]:
    """Plain chat examples whose line holds no '<|': every one in the fixtures and docs, and variations."""
    from tests.conftest import materialize

    texts = [case["jsonl"] for param in iter_fixture_cases() for case in [param.values[1]]]
    texts += [body for rule in RULES for _, _, body in _BLOCK.findall(rule.doc)]
    texts += [(FIXTURES / "examples" / name).read_text() for name in ("support-chat.jsonl", "broken-chat.jsonl")]
    records = []
    for text in texts:
        for line in materialize(text).splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and is_plain_chat(record) and b"<|" not in line and b"\\u003c" not in line:
                records.append(record)
    roles = ["system", "user", "assistant"]
    for n in range(200):  # every order of roles up to five messages that ends with the assistant
        messages = [{"role": roles[(n >> (2 * i)) % 3], "content": f"text {i} | not special"} for i in range(n % 5 + 1)]
        messages.append({"role": "assistant", "content": ""})
        record = {"messages": messages}
        if is_plain_chat(record):
            records.append(record)
    return records


def test_plain_chat_clean_rules_find_nothing_in_plain_chat() -> None:
    """A rule that claims PLAIN_CHAT_CLEAN is skipped on plain chat examples: the claim must hold."""
    from ftdata.plan import Plan
    from ftdata.ruleapi import DatasetFacts, Example

    corpus = _plain_chat_corpus()
    assert len(corpus) > 100
    for model in (None, "gpt-4o-mini"):
        plan = Plan.from_settings(ftdata.config.Settings(model=model))
        for rule in (r for r in RULES if r.plain_chat_clean):
            context = plan.contexts[rule.code]
            for line, record in enumerate(corpus, start=1):
                example = Example(line, record, "chat", plan.target.counter.chat(record["messages"]), True)
                if rule.kind == "record":
                    assert list(rule.function(example, context)) == [], (rule.code, record)
                elif rule.collect is not None:
                    assert rule.collect(example, context) is None, (rule.code, record)
            if rule.kind == "dataset":
                assert list(rule.function(DatasetFacts(format="chat", examples=len(corpus)), context)) == []


def test_plain_chat_shape() -> None:
    plain = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    assert is_plain_chat(plain)
    for broken in (
        {**plain, "id": 1},
        {"messages": [{"role": "user", "content": "Hi"}]},
        {"messages": [{"role": "assistant", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]},
        {"messages": [{"role": "user", "content": ["Hi"]}, {"role": "assistant", "content": "Hello"}]},
        {
            "messages": [
                {"role": "tool", "content": "x"},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "."},
            ]
        },
    ):
        assert not is_plain_chat(broken)
