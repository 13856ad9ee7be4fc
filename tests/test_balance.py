"""Balance (FT521-FT524): refusals, a dominant answer, rare labels and label variants. The answer analysis
they share (ftdata.answers) on real phrases and near-misses; planted cases found, clean files left alone;
the same findings whether a file is checked in one process or split between workers; a few ints kept per
example, never its text."""

from __future__ import annotations

import json
import random
from array import array
from pathlib import Path
from typing import Any

import pytest

import ftdata
from ftdata import qualityfacts
from ftdata.answers import (
    NO_ANSWER,
    REFUSAL_HEAD,
    answer_facts,
    answer_hash,
    facts_of,
    is_refusal,
    is_truncated,
    label_key,
    label_like,
    label_text,
    pack_label,
    percent,
)
from ftdata.reader import BLOCK_BYTES
from ftdata.registry import find_rule
from ftdata.ruleapi import Collected, Example
from ftdata.runner import PARALLEL_MIN_BLOCKS
from tests.conftest import FIXTURES, lint_reports_by_jobs

CODES = ["FT521", "FT522", "FT523", "FT524"]

REFUSALS = [
    "I can't help with that.",
    "I cannot answer this.",  # the guide's example
    "I'm sorry, but I cannot provide that information.",
    "I\u2019m sorry, but I can\u2019t help with that.",  # typographic apostrophes
    "As an AI language model, I don't have personal opinions.",
    "As an AI, I cannot browse the internet.",
    "I'm just an AI, I can't make that call for you.",
    "I am unable to assist with this request.",
    "Unfortunately, I'm not able to share that.",
    "I must decline.",
    "I have to respectfully decline this request.",
    "I'm afraid I can't do that.",
    "That's not something I can help with.",
    "I apologize, but I won't be able to help with that.",
    "I apologize for the confusion, but I cannot give legal advice.",
    "  **I'm sorry**, but I can't help with that.",  # markdown and white space before it
    '"I cannot comply with that request."',
    "No, I can't assist with that.",
    "I won't write that.",
    "I'm not comfortable helping with that.",
    "I don't provide medical advice.",
    "I'm really sorry, but I can't provide that.",
    "Sorry, I can't do that.",
    "Lo siento, pero no puedo ayudar con eso.",
    "Je suis désolé, mais je ne peux pas vous aider.",
    "Es tut mir leid, aber ich kann Ihnen dabei nicht helfen.",
    "Desculpe, mas não posso ajudar com isso.",
    "Mi dispiace, ma non posso aiutarti.",
    "Извините, но я не могу помочь с этим.",
    "我无法回答这个问题。",  # the guide's example, as its Chinese text gives it
    "抱歉，我不能提供这些信息。",
    "申し訳ありませんが、その質問にはお答えできません。",
]

NOT_REFUSALS = [
    "I'm sorry to hear that your order arrived late. Let me check what happened.",
    "Sorry for the wait! Your order shipped this morning.",
    "You cannot return items after 30 days, but we can repair it.",
    "I can help with that! Which size do you need?",
    "As an AI language model, I can help you draft this letter.",
    "I can't wait to help! What do you need?",
    "I cannot recommend this saddle enough.",
    "I can't help but notice the chain is rusty: oil it first.",
    "I don't recommend bleach on the chain.",
    "I'd be happy to help. Note that I cannot access your account directly.",
    "Unfortunately the store is closed on Sundays, but we open at 9 on Monday.",
    "I don't know the exact figure offhand, but the manual lists it on page 4.",
    "No problem at all: the tune-up is $65.",
    "Cannot is written as one word.",
    "No puedo creer que funcione tan bien, ¡gracias!",
    "Je ne peux que vous recommander ce vélo.",
    "我们明天可以修理。",
    "Yes",
    "",
    "   ",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_refusals_are_found(text: str) -> None:
    assert is_refusal(text)


@pytest.mark.parametrize("text", NOT_REFUSALS)
def test_near_misses_are_no_refusals(text: str) -> None:
    assert not is_refusal(text)


def test_only_the_start_of_an_answer_is_read() -> None:
    helpful = "Here is how to adjust the brake: loosen the bolt, centre the caliper, tighten it again. "
    late = helpful * (REFUSAL_HEAD // len(helpful) + 1) + "I can't help with that."
    assert not is_refusal(late)  # a refusal, but past the head read
    assert is_refusal("I can't help with that. " + helpful * 50)  # a long answer that opens by refusing
    assert not is_refusal(helpful + "I can't help with the rest, sorry.")


def test_label_keys() -> None:
    same = ["Positive", "positive", " POSITIVE", "positive.", "**Positive**", '"Positive"', "Positive!\n", "(positive)"]
    assert {label_key(text) for text in same} == {"positive"}
    assert label_key("  Not   spam ") == "not spam"
    assert label_key("Très Bien!") == "très bien"
    assert label_key("STRASSE") == label_key("straße")  # casefold, not lower
    assert label_key("正面。") == "正面"
    assert label_key("-1") == "-1" and label_key("4.5") == "4.5"
    # not label-like: empty once stripped, too many words or characters, on two lines
    for text in ("", "   ", "...", "?!", "I think it is mostly positive", "x" * 41, "yes\nno", "word " * 100):
        assert label_key(text) is None, text
    assert label_key("one two three four") == "one two three four"
    assert label_key("one two three four five") is None


def test_label_like_data_sets() -> None:
    assert label_like(answers=40, labelled=40, labels=2)
    assert not label_like(answers=40, labelled=40, labels=1)  # one label: no classification
    assert not label_like(answers=40, labelled=30, labels=2)  # a quarter of the answers are prose
    assert not label_like(answers=20, labelled=20, labels=15)  # a quiz: mostly different short answers
    assert not label_like(answers=1000, labelled=1000, labels=21)  # more labels than max-labels
    assert label_like(answers=1000, labelled=1000, labels=30, max_labels=30)


def test_labels_pack_into_three_ints() -> None:
    for text in ("positive", "Très bien", "x" * 23, "\u0000", "正面评价"):
        value = pack_label(text, 7)
        assert not is_truncated(value) and label_text(value) == text
        assert all(0 <= part < 1 << 64 for part in value) and value != NO_ANSWER
    long = pack_label("needs a closer review", 7)  # 21 bytes: still exact
    assert label_text(long) == "needs a closer review"
    longer = pack_label("a需要进一步审查的工单", 12345)  # 31 bytes: its hash and its start (15 bytes)
    assert is_truncated(longer) and longer[0] == 12345
    assert label_text(longer) == "a需要进一\u2026"  # the character cut in two is left out
    store = Collected()
    for line, text in enumerate(["yes", "no", "需要进一步审查的工单", "no"], 1):
        store.append(line, pack_label(text, hash(text)))
    store.append(5, NO_ANSWER)
    assert isinstance(store.values, array) and store.width == 3


def chat(user: str, answer: Any, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def test_answer_facts() -> None:
    example = Example(1, chat("Hi", "  Positive. "), "chat", None)
    facts = answer_facts(example)
    assert facts is not None and facts.label == "positive" and not facts.refusal
    assert answer_facts(example) is facts  # once per example
    assert facts_of("positive") == ("positive", False, "positive")

    def key(line: int, answer: str) -> int:
        example = Example(line, chat(f"Question {line}?", answer), "chat", None)
        found = answer_facts(example)
        assert found is not None
        return answer_hash(example, found)

    assert key(9, "POSITIVE!") == key(10, "  positive") != key(11, "negative")  # labels: case, punctuation aside
    canned = "Please contact our support team for help."
    assert key(12, canned) == key(13, "please  contact our SUPPORT team for help") != key(14, canned + " Thanks.")
    long = "Loosen the bolt, centre the caliper and tighten it again. " * 5  # long: compared as FT511 does
    assert key(15, long) == key(16, long.upper() + "  ") != key(17, long + "Done.")
    tool_only = {
        "messages": [
            {"role": "user", "content": "Where is order 5?"},
            {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f"}}]},
        ]
    }
    assert answer_facts(Example(2, tool_only, "chat", None)) is None
    assert answer_facts(Example(3, {"messages": [{"role": "user", "content": "Hi"}]}, "chat", None)) is None
    pair = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "I can't help with that."}],
        "non_preferred_output": [{"role": "assistant", "content": "Hello"}],
    }
    found = answer_facts(Example(4, pair, "preference", None))
    assert found is not None and found.refusal
    assert answer_facts(Example(5, {"messages": [{"role": "user", "content": "x"}]}, "rft", None)) is None
    assert [percent(x) for x in (0.11, 0.105, 0.025, 0.0001, 0, 1)] == ["11%", "10.5%", "2.5%", "<0.1%", "0%", "100%"]


def test_facts_are_a_few_ints_never_text() -> None:
    """What each rule keeps per example: nothing for the common case (a prose answer that does not refuse),
    else one int or three, in arrays of machine integers, however long the answer."""
    long_answer = "Loosen the bolt and centre the caliper. " * 5000
    prose = Example(1, chat("How do I fix my brake?", long_answer), "chat", None)
    label = Example(2, chat("Spam?", "Yes."), "chat", None)
    refusal = Example(3, chat("Opinion?", "I'm sorry, but I can't help with that. " * 1000), "chat", None)
    kept: dict[str, list[Any]] = {}
    for code in CODES:
        rule = find_rule(code)
        assert rule.collect is not None
        kept[code] = [rule.collect(example, None) for example in (prose, label, refusal)]  # type: ignore[arg-type]
    # too-many-refusals and dominant-answer read the REPLY of the row every example has (qualityfacts)
    assert kept["FT521"] == kept["FT522"]
    replies = [row[qualityfacts.REPLY] for row in kept["FT521"]]
    assert [bool(reply & qualityfacts.REFUSAL) for reply in replies] == [False, False, True]
    assert [bool(reply & qualityfacts.LABELLED) for reply in replies] == [False, True, False]
    assert all(reply & qualityfacts.ANSWERED for reply in replies)
    assert kept["FT523"][0] is None and kept["FT523"][2] is None  # prose is no label
    assert kept["FT524"][0] is None and kept["FT524"][2] is None
    for code, values in kept.items():
        store = Collected()
        for line in range(1, 1001):
            for value in values:
                if value is not None:
                    store.append(line, value)
        assert isinstance(store.values, array) and store.values.itemsize == 8, code
        width = len(qualityfacts.collect(prose, None)) if code in ("FT521", "FT522") else 3  # type: ignore[arg-type]
        assert len(store.values) * 8 <= width * 8 * len(store.lines), code


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def problems(report: ftdata.Report) -> dict[str, list[tuple[int | None, str]]]:
    found: dict[str, list[tuple[int | None, str]]] = {code: [] for code in CODES}
    for problem in report.problems:
        found[problem.code].append((problem.line, problem.message))
    return found


WORDS = (
    "bike chain brake gear wheel saddle pedal frame spoke tyre tube rim hub cable pump light lock bell basket "
    "repair price order refund delivery warranty service tune fit clean adjust replace measure check today"
).split()


def prose(count: int, seed: int, words: int = 30) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        chat(
            f"Question {seed}-{n}: " + " ".join(rng.choices(WORDS, k=words)) + "?",
            f"Answer {n}: " + " ".join(rng.choices(WORDS, k=2 * words)) + ".",
        )
        for n in range(count)
    ]


def test_planted_refusals_and_a_dominant_answer(tmp_path: Path) -> None:
    records = prose(200, seed=1)
    rng = random.Random(1)
    canned = list(range(10, 200, 4))  # 48 of 200 (24%): one answer, written a few ways
    for line in canned:
        records[line - 1]["messages"][-1]["content"] = rng.choice(
            ["Please contact our support team.", "please contact our support team", " Please contact our SUPPORT team!"]
        )
    refusals = [3, 5, 7, 51, 91, 121, 131, 151, 161, 171, 181, 191, 199]  # 13 of 200 (6.5%)
    for line in refusals:
        records[line - 1]["messages"][-1]["content"] = "I'm sorry, but I can't help with that."
    path = write(tmp_path / "data.jsonl", records)
    found = problems(ftdata.lint(path, select=CODES))
    assert found["FT521"] == [] and found["FT523"] == [] and found["FT524"] == []
    assert found["FT522"] == [
        (
            None,
            "the answer at line 10 is the answer of 48 of 200 examples (24%; lines 10, 14, 18, 22, 26, ...), more "
            "than 20% (option max-share): the model learns to give it to as many prompts, whatever they ask; make "
            "the answers fit their prompts, or keep this one to the share wanted at inference",
        )
    ]
    more = [9, 11, 13, 15, 17, 19, 21, 23]  # 21 of 200 (10.5%): just over the threshold
    for line in more:
        records[line - 1]["messages"][-1]["content"] = "As an AI language model, I cannot answer this."
    write(path, records)
    found = problems(ftdata.lint(path, select=CODES))
    assert [line for line, _ in found["FT521"]] == [None]
    assert found["FT521"][0][1].startswith(
        '21 of 200 answers (10.5%) are refusals (like "I can\'t help with that"; first at lines 3, 5, 7, 9, 11, ...), '
        "more than 10% (option max-share)"
    )
    assert [line for line, _ in found["FT522"]] == [None]  # the refusals are too-many-refusals' business


def labelled(count: int, labels: dict[str, int], seed: int, words: int = 25) -> list[dict[str, Any]]:
    """``count`` classification examples, each label given as often as its weight says, with varied tickets."""
    rng = random.Random(seed)
    names = [name for name, weight in labels.items() for _ in range(weight)]
    return [
        chat("Ticket: " + " ".join(rng.choices(WORDS, k=words)), rng.choice(names), "Answer with one label.")
        for _ in range(count)
    ]


def test_planted_label_problems(tmp_path: Path) -> None:
    records = labelled(300, {"billing": 1, "shipping": 1, "technical": 1}, seed=2)
    for line in (40, 140, 240):  # a rare label: 3 of 300 (1%, under 0.2 x 1/4)
        records[line - 1]["messages"][-1]["content"] = "Account"
    variants = {77: "Billing.", 177: " BILLING", 277: "**billing**"}
    for line, text in variants.items():
        records[line - 1]["messages"][-1]["content"] = text
    answers = [record["messages"][-1]["content"] for record in records]
    main, billing = answers.index("billing") + 1, answers.count("billing")
    path = write(tmp_path / "data.jsonl", records)
    found = problems(ftdata.lint(path, select=CODES))
    assert found["FT521"] == [] and found["FT522"] == []
    assert [line for line, _ in found["FT523"]] == [None]
    message = found["FT523"][0][1]
    assert message.startswith('label "account" is the answer of 3 of 300 labelled examples (1%; first at line 40)')
    share = percent((billing + 3) / 300)
    assert f'"billing" {share}' in message and '"account" 1%' in message and '"shipping"' in message
    assert [line for line, _ in found["FT524"]] == sorted(variants)
    assert [message for _, message in found["FT524"]] == [
        f'label written {json.dumps(text)} here but "billing" in {billing} of its {billing + 3} examples (first '
        f"at line {main}): to the model these are different answers, which splits the label; write it one way"
        for text in variants.values()
    ]


def test_balanced_labels_and_prose_are_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "labels.jsonl", labelled(300, {"yes": 1, "no": 1}, seed=3))
    assert problems(ftdata.lint(path, select=CODES)) == {code: [] for code in CODES}
    path = write(tmp_path / "prose.jsonl", prose(300, seed=4))
    assert problems(ftdata.lint(path, select=CODES)) == {code: [] for code in CODES}


def test_validation_files_are_not_held_to_the_balance_of_training(tmp_path: Path) -> None:
    """FT521-FT523 judge what the model learns: a validation file's refusals and labels are its own business;
    label variants are flagged in it too (they make its scores wrong)."""
    training = write(tmp_path / "train.jsonl", labelled(100, {"yes": 1, "no": 1}, seed=7))
    held_out = labelled(40, {"yes": 1, "no": 1}, seed=8)
    for line in (3, 4, 5, 6, 7, 8):
        held_out[line - 1]["messages"][-1]["content"] = "I cannot answer this."  # 15%, and a rare label
    held_out[9]["messages"][-1]["content"] = "YES."
    validation = write(tmp_path / "validation.jsonl", held_out)
    report = ftdata.lint(training, validation_file=validation, select=CODES)
    assert [(p.code, p.line, p.file) for p in report.problems] == [("FT524", 10, str(validation))]


@pytest.mark.parametrize("name", ["support-chat.jsonl", "clean-500.jsonl", "dpo.jsonl", "prompt-completion.jsonl"])
def test_the_bundled_examples_are_clean(name: str) -> None:
    path = FIXTURES / "examples" / name
    assert path.is_file()
    assert problems(ftdata.lint(path, select=CODES)) == {code: [] for code in CODES}


def test_jobs_1_and_2_give_the_same_report(tmp_path: Path) -> None:
    """Files of more than PARALLEL_MIN_BLOCKS blocks are split between workers: the counts, shares, label
    distributions and variant lines are those of the whole file."""
    records = labelled(12_000, {"billing": 3, "shipping": 2, "technical": 1}, seed=5, words=120)
    rare = [10, 5_000, 11_990]
    for line in rare:
        records[line - 1]["messages"][-1]["content"] = "account"
    variants = [2, 6_001, 11_999]
    for line in variants:
        records[line - 1]["messages"][-1]["content"] = "Technical."
    labels_path = write(tmp_path / "labels.jsonl", records)
    chats = prose(9_000, seed=6, words=60)
    refusals = list(range(3, 9_000, 8))  # 1125 of 9000 (12.5%), lines 3, 11, 19, ...
    canned = list(range(5, 9_000, 4))  # 2249 (25%), lines 5, 9, 13, ...
    for line in refusals:
        chats[line - 1]["messages"][-1]["content"] = "I'm sorry, but I can't help with that."
    for line in canned:
        chats[line - 1]["messages"][-1]["content"] = "Please contact our support team."
    chats_path = write(tmp_path / "chats.jsonl", chats)
    for path in (labels_path, chats_path):
        assert path.stat().st_size > (PARALLEL_MIN_BLOCKS + 1) * BLOCK_BYTES
    outputs = lint_reports_by_jobs(str(labels_path), str(chats_path), "--select", ",".join(CODES))
    assert outputs[0] == outputs[1]
    by_file = {
        f["path"]: sorted((p["code"], p["line"] or 0, p["message"]) for p in f["problems"]) for f in outputs[1]["files"]
    }
    labels_found = by_file[str(labels_path)]
    assert [(code, line) for code, line, _ in labels_found] == [("FT523", 0)] + [("FT524", line) for line in variants]
    assert labels_found[0][2].startswith(
        'label "account" is the answer of 3 of 12000 labelled examples (<0.1%; first at line 10)'
    )
    chats_found = by_file[str(chats_path)]
    assert [(code, line) for code, line, _ in chats_found] == [("FT521", 0), ("FT522", 0)]
    assert chats_found[0][2].startswith("1125 of 9000 answers (12.5%) are refusals")
    assert chats_found[1][2].startswith("the answer at line 5 is the answer of 2249 of 9000 examples (25%; lines 5, 9,")
