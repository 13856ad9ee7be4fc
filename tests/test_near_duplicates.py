"""Near-duplicates (FT516) and validation near-copies (FT515): the MinHash estimate against the true Jaccard
index on real texts, the same answers whether a file is checked in one process or split between workers,
a few ints kept per example, and nothing found in the clean bundled examples."""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import subprocess
import sys
from array import array
from pathlib import Path
from typing import Any

import pytest

import ftdata
from ftdata import minhash
from ftdata.reader import BLOCK_BYTES
from ftdata.registry import find_rule
from ftdata.ruleapi import Collected, Example
from ftdata.runner import PARALLEL_MIN_BLOCKS
from tests.conftest import FIXTURES

CODES = ["FT515", "FT516"]
ON = {"near-duplicate-example": {"enabled": True}, "validation-near-copy": {"enabled": True}}
EXAMPLES = FIXTURES / "examples"


def chat(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def records_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def true_jaccard(first: str, second: str) -> float:
    """The Jaccard index of two texts' sets of three-token shingles, computed exactly."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        found = minhash.tokens(text)
        return set(zip(found, found[1:], found[2:], strict=False))

    one, two = shingles(first), shingles(second)
    return len(one & two) / len(one | two)


def estimate(first: str, second: str) -> float:
    one, two = minhash.sketch_of([first]), minhash.sketch_of([second])
    assert one is not None and two is not None
    return minhash.similarity(minhash.joined(one.signature), minhash.joined(two.signature))


def edited(text: str, rng: random.Random, rate: float) -> str:
    """The text with about ``rate`` of its words replaced, deleted, or with a word inserted after them."""
    words = text.split()
    out: list[str] = []
    for word in words:
        roll = rng.random()
        if roll < rate / 3:
            out.append(rng.choice(words))
        elif roll < 2 * rate / 3:
            continue
        elif roll < rate:
            out += [word, rng.choice(words)]
        else:
            out.append(word)
    return " ".join(out)


def real_texts() -> list[str]:
    """The user and assistant texts of the bundled clean examples, those of at least 40 tokens."""
    texts = []
    for name in ("clean-500.jsonl", "support-chat.jsonl"):
        for record in records_of(EXAMPLES / name):
            text = "\n".join(minhash.texts_of(record, "chat"))
            if len(minhash.tokens(text)) >= 40:
                texts.append(text)
    return sorted(set(texts))


def test_estimate_is_close_to_the_true_jaccard_index_on_real_texts() -> None:
    texts = real_texts()
    assert len(texts) > 150
    rng = random.Random(13)
    errors = []
    for text in texts[:300]:
        other = edited(text, rng, rng.choice((0.02, 0.05, 0.1, 0.2, 0.3)))
        true = true_jaccard(text, other)
        errors.append(estimate(text, other) - true)
    assert abs(statistics.mean(errors)) < 0.01  # unbiased
    assert statistics.pstdev(errors) < 0.05  # about 0.035 expected from 128 bins of 4 bits
    assert max(map(abs, errors)) < 0.2
    # different texts: the estimate is as low as the truth (different answers on one subject share a little)
    for first, second in itertools.pairwise(texts[:101]):
        assert abs(estimate(first, second) - true_jaccard(first, second)) < 0.2
        assert estimate(first, second) < 0.5


def test_sketches_of_the_same_text() -> None:
    text = real_texts()[0]
    assert estimate(text, text) == 1.0
    # case, punctuation and white space are not words
    assert estimate(text, text.upper().replace(" ", "  ,")) == 1.0
    one = minhash.sketch_of([text])
    assert one is not None and len(one.signature) == minhash.INTS
    assert all(type(value) is int and 0 <= value < 1 << 64 for value in one.signature)
    assert minhash.sketch_of(["", "  !? "]) is None
    # a text read as several texts is the same sequence of shingles
    half = len(text) // 2
    cut = text.rfind(" ", 0, half)
    assert minhash.sketch_of([text[:cut], text[cut:]]) == one


def test_tokens() -> None:
    assert minhash.tokens("Don't PANIC: it's $4.50, e-mail_me!") == [
        "don",
        "t",
        "panic",
        "it",
        "s",
        "4",
        "50",
        "e",
        "mail",
        "me",
    ]
    # letters outside ASCII: the same tokens as the pattern over the whole text, ASCII words alike
    hello = "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439"  # Russian, capitalised
    mixed = f"Caf\u00e9 CR\u00c8ME, don\u2019t \u00abbonjour\u00bb {hello}"
    assert minhash.tokens(mixed) == [
        "caf\u00e9",
        "cr\u00e8me",
        "don",
        "t",
        "bonjour",
        hello.lower(),
    ]
    assert minhash.tokens(mixed) == minhash._TOKEN.findall(mixed.lower())
    # scripts written without spaces: a character a token
    assert minhash.tokens("\u81ea\u8ee2\u8eca\u306e chain") == ["\u81ea", "\u8ee2", "\u8eca", "\u306e", "chain"]
    # mostly other scripts (the whole-text path) and a few words outside ASCII (the per-word path) agree
    russian = " ".join(["\u0446\u0435\u043d\u0430"] * 10 + ["price"])
    english = " ".join(["price"] * 10 + ["\u0446\u0435\u043d\u0430"])
    assert minhash.tokens(russian) == ["\u0446\u0435\u043d\u0430"] * 10 + ["price"]
    assert minhash.tokens(english) == ["price"] * 10 + ["\u0446\u0435\u043d\u0430"]


def test_a_long_text_is_sketched_in_pieces_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(real_texts()[:50])
    whole = minhash.sketch_of([text])
    monkeypatch.setattr(minhash, "CHUNK", 97)  # pieces of about 97 characters, cut at spaces
    assert next(minhash._pieces(text)) != text
    assert "".join(minhash._pieces(text)) == text
    assert minhash.sketch_of([text]) == whole
    assert minhash.tokens(text) == minhash.tokens(text.replace("\n", " "))


def test_sketches_are_the_same_in_every_run() -> None:
    """Sketches hash token CRC-32s as tuples of ints, not strings: the same whatever PYTHONHASHSEED is, so a
    file gets the same findings in every run."""
    text = real_texts()[3]
    code = "import sys; from ftdata import minhash; print(minhash.sketch_of([sys.stdin.read()]).signature)"
    seen = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], input=text, capture_output=True, text=True, env=env, check=True
        )
        seen.add(done.stdout)
    assert len(seen) == 1
    sketch = minhash.sketch_of([text])
    assert sketch is not None and seen == {f"{sketch.signature}\n"}


def test_similarity_and_collisions() -> None:
    rng = random.Random(5)
    a = rng.getrandbits(512)
    assert minhash.similarity(a, a) == 1.0
    unrelated = [minhash.similarity(a, rng.getrandbits(512)) for _ in range(200)]
    assert max(unrelated) < 0.15  # random 4-bit values agree one time in 16: estimated as 0
    assert minhash.colliding([5, 7, 5, 9, 7, 5]) == [[0, 2, 5], [1, 4]]
    assert minhash.colliding([1, 2, 3]) == []
    assert minhash.first_positions([4, 4, 2]) == {4: 0, 2: 2}


def varied(count: int, seed: int, words: int = 40) -> list[dict[str, Any]]:
    """``count`` examples of random words: no two alike."""
    rng = random.Random(seed)
    vocabulary = [f"{syllable}{other}" for syllable in "ka ri to mon spe lu dra vin".split() for other in "ax el op un"]
    return [
        chat(
            " ".join(rng.choices(vocabulary, k=words // 2)) + "?",
            " ".join(rng.choices(vocabulary, k=words)) + ".",
            "You are a bicycle shop's assistant." if number % 2 else None,
        )
        for number in range(count)
    ]


def changed(record: dict[str, Any], word: str = "CHANGED", message: int = -1) -> dict[str, Any]:
    """A copy of the record with the third word of a message (default: the answer) replaced."""
    copy = json.loads(json.dumps(record))
    changing = copy["messages"][message]
    words = changing["content"].split()
    words[2] = word
    changing["content"] = " ".join(words)
    return copy


def test_jobs_1_and_2_give_the_same_report(tmp_path: Path) -> None:
    """A file of more than PARALLEL_MIN_BLOCKS blocks is split between workers: near-duplicates of lines of the
    first block in the last ones are still found, each named by its group's first line, and the reports are
    the same."""
    records = varied(23_000, seed=3)
    size = len(records)
    records.append(changed(records[5]))  # line size + 1: a near-duplicate of line 6, blocks away
    records.append(changed(records[5], "OTHER"))  # line size + 2: another of the same group
    records.append(json.loads(json.dumps(records[9])))  # an exact copy: duplicate-example's, not reported
    records.append(changed(records[8000]))  # line size + 4: a near-duplicate of line 8001
    path = write(tmp_path / "big.jsonl", records)
    assert path.stat().st_size > (PARALLEL_MIN_BLOCKS + 1) * BLOCK_BYTES
    reports = []
    for jobs in (1, 2):
        report = ftdata.lint(path, select=["FT516"], options=ON, jobs=jobs)
        reports.append([(p.code, p.line, p.message) for p in report.problems])
    assert reports[0] == reports[1]
    assert [(line, message.split(" (")[0]) for _, line, message in reports[0]] == [
        (size + 1, "nearly the same as line 6"),
        (size + 2, "nearly the same as line 6"),
        (size + 4, "nearly the same as line 8001"),
    ]
    assert "3 near-duplicates in this file" in reports[0][0][2]
    # off by default: nothing collected, nothing found
    assert not ftdata.lint(path, select=["FT516"], jobs=2).problems


def test_validation_near_copies(tmp_path: Path) -> None:
    training = varied(300, seed=4)
    held_out = varied(50, seed=5)
    held_out[4] = json.loads(json.dumps(training[20]))  # line 5: an exact copy (FT405)
    held_out[9] = changed(training[30], message=-2)  # line 10: a near-copy of line 31 (its question changed)
    held_out[14] = changed(training[40])  # line 15: the same prompt, the answer changed (FT514)
    held_out[19] = changed(training[51])  # line 20: a near-copy of line 52 under another system prompt
    held_out[19]["messages"][0]["content"] = "Answer in one sentence."
    train_path = write(tmp_path / "train.jsonl", training)
    validation_path = write(tmp_path / "validation.jsonl", held_out)
    report = ftdata.lint(train_path, validation_file=validation_path, select=["FT405", "FT514", "FT515"], options=ON)
    lines = {code: sorted(p.line for p in report.problems if p.code == code) for code in ("FT405", "FT514", "FT515")}
    assert lines == {"FT405": [5], "FT514": [15], "FT515": [10, 20]}
    assert all(p.file == str(validation_path) for p in report.problems)
    messages = {p.line: p.message for p in report.problems if p.code == "FT515"}
    assert messages[10].startswith(f"nearly the same as an example of the training file ({train_path}, line 31; ")
    assert messages[20].startswith(f"nearly the same as an example of the training file ({train_path}, line 52; ")


def test_facts_are_a_few_ints_never_text() -> None:
    """Per example, 9 ints of 64 bits (8 of sketch, 1 of hash) in an array, however long the example."""
    long_text = "word and another word " * 50_000
    record = chat(long_text, long_text + " the end", long_text)
    example = Example(1, record, "chat", None)
    for code, name in (("FT515", "validation-near-copy"), ("FT516", "near-duplicate-example")):
        rule = find_rule(code)
        assert rule.collect is not None
        context = type("Context", (), {"options": {"enabled": True, "threshold": 0.8, "minimum-words": 20}})()
        value = rule.collect(example, context)  # type: ignore[arg-type]  # only the options are read
        assert isinstance(value, tuple) and len(value) == minhash.INTS + 1, name
        store = Collected()
        for line in range(1, 1001):
            store.append(line, value)
        assert isinstance(store.values, array) and store.values.itemsize == 8, code
        assert len(store.values) * 8 + len(store.lines) * 8 == 1000 * 80, code  # 80 bytes an example
        off = type("Context", (), {"options": {"enabled": False, "threshold": 0.8, "minimum-words": 20}})()
        assert rule.collect(example, off) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["support-chat.jsonl", "clean-500.jsonl"])
def test_clean_examples_have_none(tmp_path: Path, name: str) -> None:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{name} is not there yet")
    records = records_of(path)
    assert not ftdata.lint(path, select=CODES, options=ON).problems
    # the file's two halves as training and validation files: no near-copy between them either
    half = len(records) // 2
    training = write(tmp_path / "train.jsonl", records[:half])
    validation = write(tmp_path / "validation.jsonl", records[half:])
    assert not ftdata.lint(training, validation_file=validation, select=CODES, options=ON).problems


def test_odd_records_and_other_formats() -> None:
    """Records no rule expects are sketched, or have no sketch, without failing; only user and assistant
    texts count."""
    odd: list[Any] = [
        {"messages": "not a list"},
        {"messages": [1, None, {"role": ["user"], "content": "x"}, {"role": "assistant", "content": {"a": 1}}]},
        {"messages": [{"role": "user", "content": "\ud800 lone surrogate \udfff and more words"}]},
        {"input": "not an object", "preferred_output": 3},
        {"prompt": 5, "completion": None},
    ]
    for record in odd:
        for file_format in ("chat", "rft", "preference", "prompt-completion"):
            minhash.sketch_of(minhash.texts_of(record, file_format))
    assert minhash.texts_of(odd[2], "chat") == ["\ud800 lone surrogate \udfff and more words"]
    assert minhash.tokens(odd[2]["messages"][0]["content"]) == ["lone", "surrogate", "and", "more", "words"]
    parts = {
        "messages": [
            {"role": "system", "content": "Not compared."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {}}]},
            {"role": "tool", "content": "not compared either"},
            {"role": "assistant", "content": "Hello"},
        ]
    }
    assert minhash.texts_of(parts, "chat") == ["Hi", "Hello"]
    pair = {
        "input": {"messages": [{"role": "user", "content": "Q"}]},
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}],
    }
    assert minhash.texts_of(pair, "preference") == ["Q", "good", "bad"]
    assert minhash.texts_of({"prompt": "P", "completion": "C"}, "prompt-completion") == ["P", "C"]


def test_deep_turns_the_near_duplicate_rules_on(tmp_path: Path) -> None:
    """``lint --deep`` runs the slow checks: the near-duplicates it finds are not found without it, and it
    keeps the config's options for other rules."""
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(6)) for _ in range(80)]
    base = " ".join(words)
    train = write(
        tmp_path / "train.jsonl",
        [chat("Tell me a story.", base), chat("Tell me another story.", base.replace(words[40], "changed"))],
    )
    valid = write(tmp_path / "valid.jsonl", [chat("A story, now.", base.replace(words[20], "other"))])
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ftdata]\noptions = {near-duplicate-example = {threshold = 0.95}}\n", encoding="utf-8"
    )

    def codes(*extra: str) -> list[str]:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "ftdata",
                "lint",
                str(train),
                "--validation-file",
                str(valid),
                "-f",
                "json",
                "--select",
                "FT515,FT516",
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert run.returncode in (0, 1), run.stderr
        return sorted(p["code"] for f in json.loads(run.stdout)["files"] for p in f["problems"])

    assert codes() == []
    assert codes("--deep") == ["FT515"]  # the config's threshold 0.95 still holds for FT516
    assert codes("--deep", "--isolated") == ["FT515", "FT516"]
    assert find_rule("FT516").deep and find_rule("FT515").deep and not find_rule("FT504").deep
