"""The data-quality checks together, as a user runs them: every planted problem found at its line, nothing
else flagged, and a clean varied file left alone.

The planted files are built from the bundled clean file (fixtures/examples/clean-500.jsonl: 500 varied
questions and answers) with problems written into chosen lines; every other line stays as it was, so any
finding there is a false alarm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ftdata
from tests.conftest import FIXTURES

CLEAN = FIXTURES / "examples" / "clean-500.jsonl"
DEEP = {"near-duplicate-example": {"enabled": True}, "validation-near-copy": {"enabled": True}}


def clean_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CLEAN.read_text(encoding="utf-8").splitlines()]


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def chat(user: str, answer: str, system: str | None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    return {"messages": [*messages, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def quality_findings(report: ftdata.Report, path: Path) -> set[tuple[Any, str]]:
    """(line or "file", code) of the quality and system-message findings in one file."""
    return {
        (problem.line if problem.line is not None else "file", problem.code)
        for file in report.files
        if Path(file.path) == path
        for problem in file.problems
        if problem.code.startswith("FT5") or problem.code == "FT201"
    }


def test_a_clean_varied_file_gets_no_warning() -> None:
    """The issue's bar: a clean, varied 500-example file gets no warning or error from any check, the slow
    ones included, whether checked alone or as training and validation halves of one job."""
    whole = ftdata.lint(CLEAN, options=DEEP, jobs=1)
    assert [(p.code, p.line) for p in whole.problems if p.severity != "info"] == []


def test_clean_halves_as_a_job_have_no_leak(tmp_path: Path) -> None:
    records = clean_records()
    train = write(tmp_path / "train.jsonl", records[:400])
    valid = write(tmp_path / "valid.jsonl", records[400:])
    report = ftdata.lint(train, validation_file=valid, options=DEEP, jobs=1)
    assert [(p.code, p.line) for p in report.problems if p.severity != "info"] == []


def test_planted_problems_in_a_chat_file_are_found_at_their_lines(tmp_path: Path) -> None:
    records = clean_records()[:150]
    system = records[0]["messages"][0]["content"]
    user = lambda i: records[i]["messages"][1]["content"]  # noqa: E731
    answer = lambda i: records[i]["messages"][2]["content"]  # noqa: E731
    planted: dict[int, str] = {}  # line -> the rule that must flag it

    def plant(line: int, record: dict[str, Any], code: str) -> None:
        records[line - 1] = record
        planted[line] = code

    plant(20, json.loads(json.dumps(records[1])), "FT511")  # line 2 again
    plant(21, chat(user(2).upper(), "  " + answer(2) + " ", system), "FT511")  # line 3, case and spaces aside
    plant(22, chat(user(3), answer(3), "You are a terse assistant."), "FT512")  # line 4 but its system prompt
    plant(23, chat(user(4), "It depends; see the manual.", system), "FT513")  # line 5's question, another answer
    planted[5] = "FT513"  # the conflict is reported at every line of the group
    near = answer(111).split()  # the longest answer: 87 words
    near[len(near) // 2] = "meanwhile"
    records[23] = chat("In short: " + user(111), " ".join(near), system)  # line 112, a word changed and added
    planted[112] = "FT516"  # reported at the later line of the pair
    refusals = [
        "I'm sorry, but I can't help with that.",
        "I cannot answer this.",
        "As an AI language model, I don't have access to that.",
        "I am unable to assist with this request.",
        "Unfortunately, I'm not able to share that.",
    ]
    for offset in range(16):  # 16 of 150 answers refuse: 10.7%, over the 10% a file may have
        records[40 + offset] = chat(user(40 + offset), refusals[offset % len(refusals)], system)
    plant(60, chat(user(59), "TODO", system), "FT536")
    plant(61, chat(user(60), user(60), system), "FT537")  # the question given back as the answer
    plant(62, {"messages": records[61]["messages"][1:]}, "FT201")  # without the system prompt all others have
    plant(63, chat(user(62), answer(62), system.replace("helpful", "helpfull")), "FT533")  # a typo
    secret = "sk-proj-" + "Q7wLm2Zx9Kc4Vb8Nn1Rt5Yu3Ei6Oa0Sd" * 2
    plant(64, chat(user(63), f"Use the key {secret} to sign in.", system), "FT501")
    path = write(tmp_path / "planted.jsonl", records)

    report = ftdata.lint(path, options=DEEP, jobs=1)
    found = quality_findings(report, path)
    expected = {(line, code) for line, code in planted.items()} | {("file", "FT521"), ("file", "FT531")}
    assert found == expected
    assert secret not in json.dumps(report.to_dict())


def test_planted_problems_in_a_label_file(tmp_path: Path) -> None:
    """A classification file: a class far rarer than the others, and a label written two ways."""
    records = clean_records()[:200]
    system = "Classify the question's topic: text, data, net or os."
    labels = ["text", "data", "net", "os"]
    rows = [chat(records[i]["messages"][1]["content"], labels[i % 3], system) for i in range(200)]
    rows[10] = chat(records[10]["messages"][1]["content"], "os", system)  # the one rare class: 1 of 200
    rows[30] = chat(records[30]["messages"][1]["content"], "Text.", system)  # "text" written another way
    path = write(tmp_path / "labels.jsonl", rows)
    found = quality_findings(ftdata.lint(path, jobs=1), path)
    assert found == {("file", "FT523"), (31, "FT524")}


def test_planted_problems_in_a_json_file(tmp_path: Path) -> None:
    """A file whose answers are JSON: the one cut off and the one in prose are flagged."""
    records = clean_records()[:60]
    system = "Answer with a JSON object holding the module and a one-line summary."
    rows = []
    for index, record in enumerate(records):
        summary = record["messages"][2]["content"].split(". ")[0]
        rows.append(chat(record["messages"][1]["content"], json.dumps({"id": index, "summary": summary}), system))
    rows[9]["messages"][2]["content"] = rows[9]["messages"][2]["content"][:-10]  # cut off
    rows[19]["messages"][2]["content"] = records[19]["messages"][2]["content"]  # prose
    path = write(tmp_path / "json.jsonl", rows)
    found = quality_findings(ftdata.lint(path, jobs=1), path)
    assert found == {(10, "FT535"), (20, "FT535")}


def test_planted_leaks_into_the_validation_file(tmp_path: Path) -> None:
    """Reported at the validation file's lines: an exact copy (error), the same prompt, a near-copy."""
    records = clean_records()
    train = write(tmp_path / "train.jsonl", records[:300])
    held_out = records[300:340]
    held_out[4] = records[10]  # the same example
    held_out[9] = chat(records[20]["messages"][1]["content"], "Something else entirely.", None)
    held_out[9]["messages"].insert(0, records[20]["messages"][0])
    near = records[100]["messages"][2]["content"].split()  # 81 words
    near[len(near) // 2] = "meanwhile"
    held_out[14] = chat("In short: " + records[100]["messages"][1]["content"], " ".join(near), None)
    held_out[14]["messages"].insert(0, records[100]["messages"][0])
    valid = write(tmp_path / "valid.jsonl", held_out)
    report = ftdata.lint(train, validation_file=valid, options=DEEP, jobs=1)
    leaks = {
        (problem.line, problem.code, problem.severity)
        for file in report.files
        for problem in file.problems
        if problem.code in ("FT405", "FT514", "FT515")
    }
    assert leaks == {(5, "FT405", "error"), (10, "FT514", "warning"), (15, "FT515", "warning")}
    assert all(file.path == str(valid) for file in report.files for p in file.problems if p.code == "FT405")
    assert not report.ok
