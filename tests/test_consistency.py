"""Consistency (FT201, FT531-FT538): answer shapes, system prompts, trivial and echoed answers, length
outliers. The shapes of real answers and of near-misses; exact statistics; planted lines found at exactly
their lines whether a file is checked in one process or split between workers; the bundled clean files get
no warning; a few ints kept per example, never a text."""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import ftdata
from ftdata import qualityfacts
from ftdata.reader import BLOCK_BYTES
from ftdata.runner import PARALLEL_MIN_BLOCKS
from ftdata.shapes import (
    BROKEN_JSON,
    CUT_OFF,
    ERROR_SHIFT,
    FENCED_JSON,
    TRAILING_TEXT,
    TRIVIAL_FILLER,
    TRIVIAL_MARKS,
    TRIVIAL_PLACEHOLDER,
    length_stats,
    prompt_sketch,
    shape_code,
    shape_of,
    sketch_distance,
    sketch_words,
    system_prompt_of,
    trivial_kind,
    weighted_median,
)
from tests.conftest import FIXTURES, ROOT, invoke, lint_reports_by_jobs

CODES = ["FT201", "FT531", "FT533", "FT534", "FT535", "FT536", "FT537", "FT538"]
WORDS = (
    "bike chain brake gear wheel saddle pedal frame spoke tyre tube rim hub cable pump light lock bell basket "
    "repair price order refund delivery warranty service tune fit clean adjust replace measure check today "
    "tomorrow weekend morning evening quickly carefully please thanks sorry maybe always never"
).split()


# --------------------------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        # answers as the bundled examples and real datasets write them
        ("A basic tune-up is $65. It covers gear and brake adjustment, a chain clean and a safety check.", "prose"),
        ("Block until all items in the queue have been gotten and processed.", "prose"),
        (" drivetrain\n", "label"),
        ("That is a chainring.", "label"),
        ("**Negative**", "label"),
        ("N/A", "label"),
        ('{"name": "Bo", "age": 31, "city": "Oslo"}', "json"),
        ('[{"name": "Bo"}, {"name": "Ann"}]', "json"),
        ("```python\nprint('hello')\n```", "code"),
        ("Here is how:\n```python\ndef add(a, b):\n    return a + b\n```\nIt adds them.", "code"),
        ("def add(a, b):\n    total = a + b\n    return total", "code"),
        ("SELECT name\nFROM users\nWHERE id = 3;", "code"),
        ("SELECT name FROM users WHERE id = 3;", "code"),
        ("print('hello')", "code"),
        (">>> import os\n>>> os.getcwd()\n'/home/bo'", "code"),
        ("Here are the steps:\n\n1. Remove the wheel.\n2. Patch the tube.\n3. Inflate it.\n\nGood luck!", "list"),
        ("- gears\n- brakes\n- chain", "list"),
        ("", "empty"),
        (" \n\t", "empty"),
        # near-misses: what starts like one shape and is another
        ("[1] Smith et al. showed that a lighter frame climbs faster on long hills.", "prose"),
        ("[Verse 1]\nI ride my bike\nall day long", "prose"),
        ("Use x = 5 when you set the saddle height for the first time.", "prose"),
        ("Order_id=245 is ready for collection at the front desk today.", "prose"),
        ("pass", "label"),
        ("return", "label"),
        ("x = 5", "code"),
        ("It has two parts:\n- a frame\n\nThe frame is steel, and the fork is carbon, which keeps it light.", "prose"),
        ("First, remove the wheel.\nThen patch the tube.\nFinally, inflate it to the pressure on the tyre.", "prose"),
        ("for the queue to be empty and all tasks done.\nThen join returns.", "prose"),
        ('{"name": "Bo", "age": 31, "city": "Os', "code"),
        ("{'name': 'Bo'}", "code"),
        ('```json\n{"name": "Bo"}\n```', "code"),
        ("null", "label"),
        ("42", "label"),
    ],
)
def test_shape_of(text: str, shape: str) -> None:
    assert shape_of(text) == shape


def test_json_flags_say_what_is_wrong_and_where() -> None:
    cut = shape_code('{"name": "Bo", "age": 31, "city": "Os')
    assert cut & BROKEN_JSON and cut & CUT_OFF and not cut & TRAILING_TEXT
    followed = shape_code('{"name": "Bo"}\nI hope this helps!')
    assert followed & BROKEN_JSON and followed & TRAILING_TEXT
    assert followed >> ERROR_SHIFT == len('{"name": "Bo"}\n')  # where the other text starts, as written
    assert shape_code('  {"a": 1,}') >> ERROR_SHIFT == 2 + len('{"a": 1')  # leading spaces counted
    assert shape_code('```json\n{"name": "Bo"}\n```') & FENCED_JSON
    assert not shape_code("```python\nprint(1)\n```") & FENCED_JSON
    assert shape_code('{"name": "Bo"}') == 2  # JSON, no flag


@pytest.mark.parametrize(
    ("text", "kind", "word"),
    [
        ("...", TRIVIAL_MARKS, None),
        ("\u2014", TRIVIAL_MARKS, None),
        ("?!", TRIVIAL_MARKS, None),
        ("TODO", TRIVIAL_PLACEHOLDER, "todo"),
        ("todo:", TRIVIAL_PLACEHOLDER, "todo"),
        ("TBD.", TRIVIAL_PLACEHOLDER, "tbd"),
        ("Lorem ipsum", TRIVIAL_PLACEHOLDER, "lorem ipsum"),
        ("<answer>", TRIVIAL_PLACEHOLDER, "<answer>"),
        ("OK", TRIVIAL_FILLER, "ok"),
        ("Okay!", TRIVIAL_FILLER, "okay"),
        (" N/A. ", TRIVIAL_FILLER, "n/a"),
        ("Test", TRIVIAL_FILLER, "test"),
        ("Yes", 0, None),
        ("No.", 0, None),
        ("Sure", 0, None),
        ("None.", 0, None),  # answers "how many?"
        ("OK, I have booked the fitting for Monday.", 0, None),
        ("Not applicable here, since the frame is carbon.", 0, None),
        ("Testing the brakes takes ten minutes.", 0, None),
    ],
)
def test_trivial_kind(text: str, kind: int, word: str | None) -> None:
    from ftdata.shapes import FILLERS, PLACEHOLDERS, TRIVIAL_KIND_BITS

    found = trivial_kind(text)
    assert found & ((1 << TRIVIAL_KIND_BITS) - 1) == kind
    if word is not None:
        words = PLACEHOLDERS if kind == TRIVIAL_PLACEHOLDER else FILLERS
        assert words[found >> TRIVIAL_KIND_BITS] == word


# --------------------------------------------------------------------------------------------- statistics


def test_length_stats_are_exact() -> None:
    """Median and MAD from the histogram equal the same figures over the expanded list of examples."""
    rng = random.Random(11)
    for trial in range(200):
        tokens = [max(0, int(rng.lognormvariate(5, rng.choice([0.05, 0.4, 1.2])))) for _ in range(rng.randint(1, 60))]
        if trial % 5 == 0:  # many alike: a MAD of 0, the mean absolute deviation instead
            tokens += [tokens[0]] * len(tokens) * 2
        stats = length_stats(Counter(tokens))
        assert stats is not None
        logs = [math.log(max(t, 1)) for t in tokens]
        median = statistics.median(logs)
        mad = statistics.median(abs(value - median) for value in logs)
        assert stats.log_median == pytest.approx(median)
        assert stats.median == pytest.approx(statistics.median(tokens))
        if mad:
            assert stats.spread == pytest.approx(mad / 0.6745)
            probe = max(tokens) * 3 + 1
            assert stats.z(probe) == pytest.approx(0.6745 * (math.log(probe) - median) / mad)
        else:
            mean_ad = statistics.fmean(abs(value - median) for value in logs)
            assert stats.spread == pytest.approx(1.253314 * mean_ad)
    assert length_stats(Counter()) is None
    assert weighted_median([(1.0, 1), (2.0, 1)]) == 1.5
    assert weighted_median([(1.0, 3), (9.0, 1)]) == 1.0


# --------------------------------------------------------------------------------------------- system prompts

PROMPT = (
    "You are Spoke, the support assistant of Cadence Cycles, a bicycle shop. Answer briefly and politely; when "
    "you do not know, say so and offer to hand over to a mechanic."
)


def test_system_prompt_and_its_sketch() -> None:
    record = {"messages": [{"role": "system", "content": "A"}, {"role": "user", "content": "B"}]}
    assert system_prompt_of(record, "chat") == "A"
    assert system_prompt_of({"messages": [{"role": "developer", "content": [{"type": "text", "text": "D"}]}]}, "rft")
    assert system_prompt_of({"input": record}, "preference") == "A"
    assert system_prompt_of({"prompt": "p", "completion": "c"}, "prompt-completion") is None
    assert system_prompt_of({"messages": [{"role": "user", "content": "B"}]}, "chat") is None
    base = prompt_sketch(PROMPT)
    assert sketch_words(base) == 31
    # case, white space, punctuation and digits aside: the same sketch
    for same in (PROMPT.upper(), PROMPT + "\n", PROMPT.replace(";", ","), PROMPT.replace("Cycles", "Cycles 2")):
        assert prompt_sketch(same) == base
    # a word changed: a few bits; another prompt: many
    assert 0 < sketch_distance(base, prompt_sketch(PROMPT.replace("politely", "politly"))) <= 8
    assert 0 < sketch_distance(base, prompt_sketch(PROMPT.replace("briefly", "kindly"))) <= 8
    other = "You are a helpful assistant for a bicycle repair shop. Use the tools to look up orders when asked."
    assert sketch_distance(base, prompt_sketch(other)) >= 14


def test_sketches_are_the_same_in_every_run() -> None:
    """The sketch hashes words with blake2b, not Python's salted hash(): a prompt's sketch (and so every
    verdict of system-prompt-variant) is the same from one run to the next."""
    code = f"from ftdata.shapes import prompt_sketch; print(prompt_sketch({PROMPT!r}))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert seen == {str(prompt_sketch(PROMPT))}


# --------------------------------------------------------------------------------------------- whole files


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def chat(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    return {"messages": [*messages, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def found(report: ftdata.Report) -> dict[str, list[int | None]]:
    lines: dict[str, list[int | None]] = {}
    for problem in report.problems:
        lines.setdefault(problem.code, []).append(problem.line)
    return {code: sorted(found, key=lambda line: line or 0) for code, found in lines.items()}


def consistency_file(count: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, list[int | None]]]:
    """A chat file with one long system prompt, prose answers of varied length, and planted: a case variant
    and an edited variant of the prompt, examples without it, trivial answers, an echo and two length
    outliers — spread over the file. Returns the records and the lines each rule must report."""
    rng = random.Random(seed)
    system = PROMPT + " " + " ".join(rng.choices(WORDS, k=20)) + "."
    records = []
    for number in range(count):
        user = f"Question {seed}-{number}: " + " ".join(rng.choices(WORDS, k=rng.randint(8, 16))) + "?"
        answer = f"Answer {seed}-{number}: " + " ".join(rng.choices(WORDS, k=rng.randint(40, 80))) + "."
        records.append(chat(user, answer, system))
    at = {name: round(count * share) for name, share in (("case", 0.05), ("edit", 0.97), ("bare", 0.5))}
    records[at["case"] - 1]["messages"][0]["content"] = system.upper()
    records[at["case"] + 6]["messages"][0]["content"] = system.upper()
    records[at["edit"] - 1]["messages"][0]["content"] = system.replace("politely", "kindly")
    for line in (3, at["bare"], count - 1):
        del records[line - 1]["messages"][0]
    trivial = {7: "", count // 3: "TODO", count - 4: "..."}
    for line, text in trivial.items():
        records[line - 1]["messages"][-1]["content"] = text
    echo = count - 10
    records[echo - 1]["messages"][-1]["content"] = records[echo - 1]["messages"][-2]["content"]
    long, short = count // 4, count - 20
    records[long - 1]["messages"][-1]["content"] = " ".join(rng.choices(WORDS, k=4000))
    records[short - 1]["messages"] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]
    expected: dict[str, list[int | None]] = {
        "FT201": sorted([3, at["bare"], count - 1, short]),
        "FT531": [None],
        "FT533": sorted([at["case"], at["case"] + 7, at["edit"]]),
        "FT536": sorted(trivial),
        "FT537": [echo],
        "FT538": sorted([long, short]),
    }
    return records, expected


def json_file(count: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, list[int | None]]]:
    """Extraction answers in JSON, with broken, fenced and prose ones spread over the file."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        name = "".join(rng.choices("abcdefghij", k=6)).title()
        fields = {"name": name, "order": number, "parts": rng.choices(WORDS, k=rng.randint(20, 40))}
        records.append(chat(f"Extract the order of {name}: " + " ".join(fields["parts"]), json.dumps(fields)))
    planted = {
        11: lambda text: text[:-5],  # cut off
        count // 2: lambda text: text + "\nHope this helps!",
        count - 30: lambda text: "```json\n" + text + "\n```",
        count - 3: lambda text: "The order holds " + ", ".join(json.loads(text)["parts"]) + ".",  # prose
    }
    for line, change in planted.items():
        records[line - 1]["messages"][-1]["content"] = change(records[line - 1]["messages"][-1]["content"])
    return records, {"FT535": sorted(planted)}


def label_file(count: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, list[int | None]]]:
    """Sentiment labels, with prose answers spread over the file."""
    rng = random.Random(seed)
    labels = ["positive", "negative", "neutral"]
    records = [
        chat("Sentiment of this review: " + " ".join(rng.choices(WORDS, k=rng.randint(60, 120))), rng.choice(labels))
        for _ in range(count)
    ]
    planted = [5, count // 3, count - 2]
    for line in planted:
        records[line - 1]["messages"][-1]["content"] = "The review is positive: the customer likes the fit a lot."
    return records, {"FT534": planted}


@pytest.mark.parametrize("make", [consistency_file, json_file, label_file])
def test_jobs_1_and_2_give_the_same_report(tmp_path: Path, make: Any) -> None:
    """A file of more than PARALLEL_MIN_BLOCKS blocks is split between workers: each planted line, and only
    those, is reported, and the whole JSON report is the same with one process and with two."""
    records, expected = make(12_000 if make is consistency_file else 15_000, seed=3)
    path = write(tmp_path / "big.jsonl", records)
    assert path.stat().st_size > (PARALLEL_MIN_BLOCKS + 1) * BLOCK_BYTES
    outputs = lint_reports_by_jobs(str(path), "--select", ",".join(CODES), exit_codes=(0, 1))
    assert outputs[0] == outputs[1]
    problems: dict[str, list[int | None]] = {}
    for entry in outputs[1]["files"]:
        for problem in entry["problems"]:
            problems.setdefault(problem["code"], []).append(problem["line"])
    assert {code: sorted(lines, key=lambda line: line or 0) for code, lines in problems.items()} == expected


def test_planted_messages(tmp_path: Path) -> None:
    records, expected = consistency_file(400, seed=5)
    report = ftdata.lint(write(tmp_path / "data.jsonl", records), select=CODES)
    assert found(report) == expected
    messages = {(p.code, p.line): p.message for p in report.problems}
    note = messages[("FT531", None)]
    assert note.startswith('3 different system prompts in this file: 393 examples (first at line 1 "You are ')
    assert "2 examples (first at line 20 " in note and "1 example (first at line 388 " in note
    assert "; 4 examples without one" in note
    case, edit = expected["FT533"][0], expected["FT533"][-1]
    assert messages[("FT533", case)].startswith("system prompt is a variant of the one at line 1 (used by 393")
    assert "the same words, as far as can be told, in another case" in messages[("FT533", case)]
    assert "a word or two changed" in messages[("FT533", edit)]
    assert messages[("FT536", 7)].startswith("answer is empty")
    assert messages[("FT536", 400 // 3)].startswith("answer is the placeholder 'todo'")
    assert messages[("FT538", 100)].startswith("example has ")
    assert "times the file's median" in messages[("FT538", 100)]


@pytest.mark.parametrize("name", ["support-chat", "clean-500", "dpo", "vision-chat", "prompt-completion"])
def test_bundled_examples_get_no_warning(name: str) -> None:
    path = FIXTURES / "examples" / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"{path.name} is not there yet")
    report = ftdata.lint(path, select=CODES)
    assert [(p.code, p.line, p.message) for p in report.problems if p.severity != "info"] == []


def test_clean_varied_file_gets_nothing(tmp_path: Path) -> None:
    """One system prompt, prose answers of varied length: no finding at all, not even a note."""
    rng = random.Random(8)
    records = [
        chat(
            f"Question {number}: " + " ".join(rng.choices(WORDS, k=rng.randint(6, 14))) + "?",
            f"Answer {number}: " + " ".join(rng.choices(WORDS, k=rng.randint(15, 45))) + ".",
            PROMPT,
        )
        for number in range(500)
    ]
    assert ftdata.lint(write(tmp_path / "data.jsonl", records), select=CODES).problems == []


def test_facts_are_a_few_ints_never_text() -> None:
    """What the consistency rules keep per example: an int or two, in arrays of machine integers, however
    long the example; nothing at all for the common case where a rule can tell."""
    from array import array

    from ftdata.registry import find_rule
    from ftdata.ruleapi import Collected, Example, ExampleTokens

    long_text = "word " * 200_000
    record = chat(long_text, long_text, long_text)
    example = Example(1, record, "chat", ExampleTokens(total=600_000))
    for code in ("FT531", "FT533", "FT534", "FT535", "FT536", "FT538"):  # one row of ints, shared
        rule = find_rule(code)
        assert rule.collect is qualityfacts.collect, code
    value = qualityfacts.collect(example, None)  # type: ignore[arg-type]  # the context is not needed
    store = Collected()
    for line in range(1, 1001):
        store.append(line, value)
    assert isinstance(store.values, array) and store.values.itemsize == 8
    assert len(store.values) * 8 + len(store.lines) * 8 <= 1000 * 88
    assert value[qualityfacts.TOKENS] == 600_000 and value[qualityfacts.TRIVIAL] == qualityfacts.NONE
    rule = find_rule("FT201")  # an example with a system prompt: nothing kept
    assert rule.collect is not None
    assert rule.collect(example, None) is None  # type: ignore[arg-type]


def test_rules_sharing_a_collect_function_keep_its_values_once(tmp_path: Path) -> None:
    """The engine runs a collect function several rules name once per example and keeps one store for
    them all; each rule reads it under its own code, in blocks and jobs alike."""
    from ftdata.config import Settings
    from ftdata.plan import Plan
    from ftdata.reader import read_stream
    from ftdata.scan import FileScan

    records = [chat(f"Question number {n}?", f"Answer {n}.", system="You are terse.") for n in range(50)]
    path = write(tmp_path / "data.jsonl", records)
    plan = Plan.from_settings(Settings(), None, has_validation=False)
    scan = FileScan(plan, str(path))
    with path.open("rb") as handle:
        scan.feed(read_stream(handle))
    facts = scan.partial.facts
    sharing = [rule.code for rule in scan.rules if rule.collect is qualityfacts.collect]
    assert len(sharing) >= 10
    stores = {id(facts.values_of(code)) for code in sharing}
    assert len(stores) == 1 and len(facts.values_of(sharing[0])) == 50
    assert sum(code in facts.collected for code in sharing) == 1
    # rules whose option enabled is false (opt-in and --deep ones) are not run at all
    assert {"FT504", "FT515", "FT516"}.isdisjoint(rule.code for rule in scan.rules)
    deep = Plan.from_settings(Settings(options={"near-duplicate-example": {"enabled": True}}))
    assert "FT516" in {rule.code for rule in FileScan(deep, str(path)).rules}


def test_several_system_prompts_quotes_the_first_ones_exactly_under_any_split(tmp_path: Path) -> None:
    """FT531 quotes the prompts it names from the texts the engine kept (the first SAMPLES_KEPT distinct ones
    of the file, whatever blocks the workers read), redacted; a prompt first seen after those is named by its
    line alone."""
    from ftdata.ruleapi import SAMPLES_KEPT

    rng = random.Random(11)
    secret = "sk-proj-" + "".join(rng.choices("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=48))
    prompts = [f"You are assistant number {i} of the {rng.choice(WORDS)} team." for i in range(SAMPLES_KEPT + 10)]
    prompts[3] = f"You sign requests with {secret} and answer briefly."
    records = []
    for number in range(12_000):
        # the first SAMPLES_KEPT + 10 examples bring each prompt in turn; then the last prompt, first seen
        # past the kept ones, becomes the most used
        prompt = prompts[number] if number < len(prompts) else prompts[-1 if number % 2 else number % 5]
        body = " ".join(rng.choices(WORDS, k=rng.randint(40, 80)))
        records.append(
            {
                "messages": [
                    {"role": "system", "content": prompt},
                    {"role": "user", "content": f"Question {number}: {body}"},
                    {"role": "assistant", "content": f"Answer {number}: {body[::-1]}"},
                ]
            }
        )
    path = write(tmp_path / "prompts.jsonl", records)
    assert path.stat().st_size > (PARALLEL_MIN_BLOCKS + 1) * BLOCK_BYTES
    messages = []
    for jobs in ("1", "2"):
        code, out, _ = invoke("lint", str(path), "--isolated", "-f", "json", "--jobs", jobs, "--select", "FT531")
        assert code == 0, out
        assert secret not in out
        (problem,) = [p for f in json.loads(out)["files"] for p in f["problems"]]
        messages.append(problem["message"])
    assert messages[0] == messages[1]
    message = messages[0]
    last = len(prompts)  # the most used prompt's first line: past the kept texts, so not quoted
    assert f"(first at line {last})" in message
    assert '(first at line 4 "You sign requests with sk-' in message and "…" in message
    assert '(first at line 1 "You are assistant number 0 of the' in message
