"""Duplicates, conflicting answers and train/validation leakage (FT511-FT514): planted cases are found at
exactly their lines, clean lines never, the same whether a file is checked in one process or split between
workers, with a few hashed ints kept per example and never a text."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import ftdata
from ftdata.fingerprints import MASK, fingerprint_of, text_key
from ftdata.reader import BLOCK_BYTES
from ftdata.runner import PARALLEL_MIN_BLOCKS
from tests.conftest import FIXTURES, lint_reports_by_jobs

CODES = ["FT511", "FT512", "FT513"]
WORDS = (
    "bike chain brake gear wheel saddle pedal frame spoke tyre tube rim hub cable pump light lock bell basket "
    "repair price order refund delivery warranty service tune fit clean adjust replace measure check today "
    "tomorrow weekend morning evening quickly carefully please thanks sorry maybe always never"
).split()


def chat(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def varied(count: int, seed: int, words: int = 12) -> list[dict[str, Any]]:
    """``count`` examples that share no prompt, no answer and no conversation."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        user = f"Question {seed}-{number}: " + " ".join(rng.choices(WORDS, k=words)) + "?"
        answer = f"Answer {seed}-{number}: " + " ".join(rng.choices(WORDS, k=words * 2)) + "."
        system = "You are Spoke, a bicycle shop's assistant." if number % 3 else None
        records.append(chat(user, answer, system))
    return records


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def found(report: ftdata.Report, codes: list[str] = CODES) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {code: [] for code in codes}
    for problem in report.problems:
        lines[problem.code].append(problem.line)
    return {code: sorted(found) for code, found in lines.items()}


def plant(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    """The records with duplicates, near-copies, system-prompt variants and conflicts inserted, and the lines
    each rule must report."""
    out = list(records)
    expected: dict[str, list[int]] = {code: [] for code in CODES}

    def insert(at: int, record: dict[str, Any], *codes: str) -> None:
        out.insert(at - 1, record)
        for code in expected:  # lines at or after the insertion move down by one
            expected[code] = [line + 1 if line >= at else line for line in expected[code]]
        for code in codes:
            expected[code].append(at)

    base = out[10]  # line 11: a system prompt (10 % 3 != 0)
    insert(40, json.loads(json.dumps(base)), "FT511")  # an exact copy
    near = json.loads(json.dumps(out[19]))  # line 20
    user = near["messages"][-2]
    user["content"] = "  " + user["content"].upper().replace(" ", " \t ") + "\n"
    insert(len(out) // 2, near, "FT511")  # differs only in case and white space
    variant = json.loads(json.dumps(out[31]))  # line 32
    variant["messages"][0] = {"role": "system", "content": "Answer in one short sentence."}
    insert(len(out) - 5, variant, "FT512")  # only the system prompt differs
    conflict = json.loads(json.dumps(out[50]))  # line 51
    conflict["messages"][-1]["content"] = "No, we cannot do that."
    insert(len(out) - 2, conflict, "FT513")
    expected["FT513"].append(51)  # the first line of a conflict group is reported too
    return out, {code: sorted(lines) for code, lines in expected.items()}


def test_planted_lines_and_no_clean_line(tmp_path: Path) -> None:
    records, expected = plant(varied(300, seed=1))
    path = write(tmp_path / "data.jsonl", records)
    report = ftdata.lint(path, select=CODES)
    assert found(report) == expected
    assert [len(expected[code]) for code in CODES] == [2, 1, 2]
    messages = {(problem.code, problem.line): problem.message for problem in report.problems}
    assert messages[("FT511", 40)].startswith("same as line 11 (2 copies in this file)")
    variant = expected["FT512"][0]
    assert (
        "same conversation as line 32 with another system prompt (2 system-prompt variants"
        in messages[("FT512", variant)]
    )
    assert messages[("FT513", 51)].startswith("this prompt has 2 different answers in this file (2 examples)")
    later = expected["FT513"][1]
    assert messages[("FT513", later)].startswith("the same prompt as line 51 has 2 different answers")


def test_clean_varied_file_has_none(tmp_path: Path) -> None:
    path = write(tmp_path / "data.jsonl", varied(500, seed=2))
    assert found(ftdata.lint(path, select=CODES)) == {code: [] for code in CODES}


def test_jobs_1_and_2_give_the_same_report(tmp_path: Path) -> None:
    """A file of more than PARALLEL_MIN_BLOCKS blocks is split between workers: copies of a line of the first
    block in the last ones are still found, and the whole JSON report is the same."""
    records = varied(17_000, seed=3, words=20)
    size_before = len(records)
    records.append(records[5])  # line size_before + 1: a copy of line 6, blocks away
    records.append(chat(records[7]["messages"][-2]["content"], "Another answer.", records[7]["messages"][0]["content"]))
    records.append(json.loads(json.dumps(records[10])))
    records[-1]["messages"][0]["content"] = "A different system prompt."
    path = write(tmp_path / "big.jsonl", records)
    assert path.stat().st_size > (PARALLEL_MIN_BLOCKS + 1) * BLOCK_BYTES
    outputs = lint_reports_by_jobs(str(path), "--select", ",".join(CODES))
    assert outputs[0] == outputs[1]
    problems = [(p["code"], p["line"]) for f in outputs[1]["files"] for p in f["problems"]]
    assert sorted(problems) == [
        ("FT511", size_before + 1),
        ("FT512", size_before + 3),
        ("FT513", 8),
        ("FT513", size_before + 2),
    ]


def test_support_chat_reports_only_its_real_copies() -> None:
    """The bundled fixture's 60 examples are all different: no copy, no prompt with two answers."""
    path = FIXTURES / "examples" / "support-chat.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len({json.dumps(json.loads(line), sort_keys=True) for line in lines}) == len(lines) == 60
    assert found(ftdata.lint(path, select=CODES)) == {"FT511": [], "FT512": [], "FT513": []}


def test_leakage_with_a_validation_file(tmp_path: Path) -> None:
    training = varied(100, seed=4)
    held_out = varied(40, seed=5)
    held_out[4] = json.loads(json.dumps(training[20]))  # line 5: an exact copy (FT405)
    held_out[9] = json.loads(json.dumps(training[30]))  # line 10: a near-copy
    held_out[9]["messages"][-1]["content"] = held_out[9]["messages"][-1]["content"].upper() + "  "
    held_out[14] = json.loads(json.dumps(training[40]))  # line 15: the same prompt, another answer
    held_out[14]["messages"][-1]["content"] = "Something else entirely."
    held_out[19] = json.loads(json.dumps(training[50]))  # line 20: another system prompt: not the same prompt
    held_out[19]["messages"][0]["content"] = "Be brief."
    train_path = write(tmp_path / "train.jsonl", training)
    validation_path = write(tmp_path / "validation.jsonl", held_out)
    report = ftdata.lint(train_path, validation_file=validation_path, select=["FT405", "FT514"])
    assert found(report, ["FT405", "FT514"]) == {"FT405": [5], "FT514": [10, 15]}
    assert all(p.file == str(validation_path) for p in report.problems)
    messages = {p.line: p.message for p in report.problems}
    assert messages[10].startswith(f"this example differs from one in the training file ({train_path}, line 31) only")
    assert messages[15].startswith(f"this example's prompt is also in the training file ({train_path}, line 41)")
    # without a validation file nothing is collected for FT514, and nothing found
    assert found(ftdata.lint(train_path, select=["FT514"]), ["FT514"]) == {"FT514": []}


def test_normalisation() -> None:
    same = ["Hello  World", "hello world", " HELLO\tworld\n", "hello\u00a0world", "Hello\u3000World", "helloworld"]
    assert len({text_key(text) for text in same}) == 1
    assert text_key("Straße") == text_key("STRASSE")  # casefold, not lower
    assert text_key("Hello, World") != text_key("Hello. World")
    parts = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]}]
    }
    assert fingerprint_of(parts, "chat") == fingerprint_of(
        {"messages": [{"role": "user", "content": "hi there"}]}, "chat"
    )
    # a file's separators cannot be forged by its text: \x1c-\x1f are white space, removed
    assert fingerprint_of(chat("a\x1fb", "c"), "chat") == fingerprint_of(chat("ab", "c"), "chat")
    assert fingerprint_of(chat("a", "bc"), "chat") != fingerprint_of(chat("ab", "c"), "chat")


def test_facts_are_a_few_ints_never_text(tmp_path: Path) -> None:
    """What the rules keep per example: a few 64-bit ints, held in arrays of machine integers (a few bytes
    an example), however long the example; the rules that share ftdata.qualityfacts' row keep it once."""
    from array import array

    from ftdata import qualityfacts
    from ftdata.registry import find_rule
    from ftdata.ruleapi import Collected, Example

    long_text = "word " * 200_000
    record = chat(long_text, long_text, long_text)
    example = Example(1, record, "chat", None)
    for code, most in (("FT511", 88), ("FT512", 88), ("FT513", 88), ("FT514", 32)):
        rule = find_rule(code)
        assert rule.collect is not None
        assert (rule.collect is qualityfacts.collect) == (most == 88), code
        value = rule.collect(example, None)  # type: ignore[arg-type]  # the context is not needed
        store = Collected()
        for line in range(1, 1001):
            store.append(line, value)
        assert isinstance(store.values, array) and store.values.itemsize == 8, code
        assert len(store.values) * 8 + len(store.lines) * 8 <= 1000 * most, code
        assert store[999] == (1000, value), code
    fingerprint = fingerprint_of(record, "chat")
    assert all(
        isinstance(value, int) and 0 <= value <= MASK
        for value in (fingerprint.exact, fingerprint.without_system, fingerprint.prompt, fingerprint.answer)
    )


def test_other_formats_and_odd_records(tmp_path: Path) -> None:
    """Preference, prompt/completion and RFT records, and records no rule expects, are fingerprinted."""
    odd: list[Any] = [
        {"messages": "not a list"},
        {"messages": [1, None, {"role": 5, "content": {"a": 1}}, {"role": "assistant", "content": None}]},
        {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{bad"}}, 3]}]},
        {"messages": [{"role": "user", "content": "x" * 10, "function_call": {"name": "f", "arguments": {"a": 1}}}]},
        {"messages": [{"role": "user", "content": "\ud800"}]},
        {"messages": [], "tools": [{"type": "function", "function": {"name": "f"}}], 1: 2},
    ]
    nested: Any = "deep"
    for _ in range(400):  # deeper than orjson writes
        nested = [nested]
    odd.append({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": nested}]}]})
    for record in odd:
        for file_format in ("chat", "rft", "preference", "prompt-completion"):
            fingerprint_of(record, file_format)
    # validation-prompt-in-training leaves to FT405 what FT405 reports: both hash whole examples alike
    from ftdata.fingerprints import whole_example_hash
    from ftdata.registry import find_rule
    from ftdata.ruleapi import Example

    ft405 = find_rule("FT405").collect
    assert ft405 is not None
    for record in [*odd, chat("a", "b"), {"b": [1, 2.5, None, True], "a": {"y": "\u00e9", "x": "\ud800"}}]:
        assert whole_example_hash(record) == ft405(Example(1, record, "chat", None), None)  # type: ignore[arg-type]
    rft = {"messages": [{"role": "user", "content": "2+2?"}], "answer": "4"}
    assert fingerprint_of(rft, "rft").question == fingerprint_of({**rft, "answer": "5"}, "rft").question
    assert fingerprint_of(rft, "rft").answer != fingerprint_of({**rft, "answer": "5"}, "rft").answer
    assert fingerprint_of(rft, "rft").exact == fingerprint_of({**rft, "answer": " 4"}, "rft").exact
