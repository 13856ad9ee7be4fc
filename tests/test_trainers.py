"""Local trainer targets (trl, axolotl, unsloth) and open-weight models counted with their own chat template
and tokenizer: what lint says about over-long examples and untrained ones, what ``ftdata tokens`` prints, and
how weights, dates, jobs and costs come out. Every count is held to transformers' ``apply_chat_template`` on a
tokenizer built from the same tokenizer.json (real files from the installed packages; no network)."""

from __future__ import annotations

import datetime
import json
import os
import random
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
pytest.importorskip("jinja2")

import tokenizers
from transformers import PreTrainedTokenizerFast

import ftdata
from ftdata import openmodels
from ftdata.reader import BLOCK_BYTES
from ftdata.runner import PARALLEL_MIN_BLOCKS, Runner
from ftdata.templates import ChatTemplate
from tests.conftest import invoke

QWEN = "Qwen/Qwen2.5-7B-Instruct"
LLAMA = "meta-llama/Llama-3.2-3B-Instruct"
ROW_KEYS = {"path", "line", "tokens", "trained_tokens", "kept_tokens", "kept_trained_tokens", "dropped", "error"}
_NO_CACHE = Path(__file__).resolve().parent / "__no_hf_cache__"  # never created: an empty Hugging Face cache

WORDS = (
    "the lighthouse keeper walked along the rocky shore at dawn counting gulls and boats while the tide rose "
    "slowly over seaweed and stones and the wind carried salt spray across the old stone tower"
).split()


def prose(words: int, seed: int) -> str:
    """Deterministic English-looking text of about ``words`` words."""
    pick = random.Random(seed)
    return " ".join(pick.choice(WORDS) + (f" {pick.randint(0, 999)}" if i % 17 == 0 else "") for i in range(words))


HI = {"role": "user", "content": "Hi"}
HELLO = {"role": "assistant", "content": "Hello"}
# Line 1: a prompt of thousands of words and a short answer (its answer lies wholly past 1,024 tokens);
# line 2: a short prompt and a long answer; line 3: short; line 4: over 1,024 with part of its answer kept.
LONG = [
    [{"role": "user", "content": "Summarise this log: " + prose(3000, 1)}, {"role": "assistant", "content": "Fine."}],
    [{"role": "user", "content": "Write a long story."}, {"role": "assistant", "content": prose(2500, 2)}],
    [HI, HELLO],
    [{"role": "user", "content": "Shorten: " + prose(700, 3)}, {"role": "assistant", "content": prose(400, 4)}],
]


# -- set-up -------------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_hf_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files come from the installed packages, not from whatever Hugging Face cache this machine has."""
    monkeypatch.setenv("HF_HUB_CACHE", str(_NO_CACHE))


@pytest.fixture(scope="module")
def qwen() -> openmodels.ModelFiles:
    with mock.patch.dict(os.environ, {"HF_HUB_CACHE": str(_NO_CACHE)}):
        files = openmodels.find_files(QWEN)
    assert files.found_in.startswith("package") and files.training_template is not None
    return files


@pytest.fixture(scope="module")
def reference(qwen: openmodels.ModelFiles) -> Any:
    """transformers' tokenizer over the same tokenizer.json, with the same special tokens."""
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizers.Tokenizer.from_str(qwen.tokenizer_json), **qwen.special_tokens
    )


def hf_ids(reference: Any, files: openmodels.ModelFiles, messages: list[dict[str, Any]]) -> list[int]:
    ids = reference.apply_chat_template(messages, chat_template=files.template, tokenize=True, return_dict=True)
    return list(ids["input_ids"])


def hf_mask(reference: Any, files: openmodels.ModelFiles, messages: list[dict[str, Any]]) -> list[int]:
    """transformers' assistant mask under TRL's training template (what assistant_only_loss trains)."""
    out = reference.apply_chat_template(
        messages,
        chat_template=files.training_template,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    assert list(out["input_ids"]) == hf_ids(reference, files, messages)  # same text as the model's own template
    return list(out["assistant_masks"])


def runs_of(mask: list[int]) -> list[int]:
    """The lengths of the runs of 1 in a mask: one per assistant turn."""
    runs, count = [], 0
    for bit in [*mask, 0]:
        if bit:
            count += 1
        elif count:
            runs.append(count)
            count = 0
    return runs


@pytest.fixture(scope="module")
def expected(qwen: openmodels.ModelFiles, reference: Any) -> list[dict[str, Any]]:
    """Per LONG example: its total tokens and its assistant mask, as transformers gives them."""
    found = []
    for messages in LONG:
        ids = hf_ids(reference, qwen, messages)
        found.append({"total": len(ids), "mask": hf_mask(reference, qwen, messages)})
    totals = [e["total"] for e in found]
    # the data is what the tests need: 1, 2 and 4 over 1,024 (and over 512); 3 short; 1's answer all past 1,024
    assert totals[0] > 3000 and totals[1] > 3000 and totals[2] < 100 and 1024 < totals[3] < 2048
    assert sum(found[0]["mask"][:1024]) == 0 < sum(found[0]["mask"])
    assert 0 < sum(found[3]["mask"][:1024]) < sum(found[3]["mask"])
    return found


def write(folder: Path, records: list[Any], name: str = "train.jsonl", extra: bytes = b"") -> Path:
    path = folder / name
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + extra)
    return path


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("long"), [{"messages": m} for m in LONG])


def lint_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = invoke("lint", *args, "--isolated", "-f", "json")
    assert code in (0, 1), err
    return code, json.loads(out)


def problems(document: dict[str, Any], code: str) -> dict[int, str]:
    """The messages of one rule's problems, by line (one per line expected)."""
    found = [p for f in document["files"] for p in f["problems"] if p["code"] == code]
    by_line = {p["line"]: p["message"] for p in found}
    assert len(by_line) == len(found), found
    return by_line


def token_rows(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    code, out, err = invoke("tokens", *args, "--isolated", "-f", "jsonl")
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


# -- 1. the done-when: TRL's 1,024 tokens -------------------------------------------------------------------------


def test_trl_reports_every_over_long_example_with_the_trained_tokens_it_loses(
    long_file: Path, expected: list[dict[str, Any]]
) -> None:
    _, document = lint_json(str(long_file), "--target", "trl", "-m", QWEN)
    too_long = problems(document, "FT301")
    over = {i + 1: e["total"] for i, e in enumerate(expected) if e["total"] > 1024}
    assert set(too_long) == set(over) == {1, 2, 4}
    for line, total in over.items():  # TRL trains every token by default: what is past 1,024 is lost
        message = too_long[line]
        assert f"example has {total:,} tokens" in message
        assert "over the maximum length of 1,024 (TRL's default)" in message
        assert f"TRL keeps its first 1,024 tokens, losing {total - 1024:,} of its {total:,} trained tokens" in message
    assert not problems(document, "FT303")  # every example keeps trained tokens under train-on all
    assert document["files"][0]["tokens"]["total"] == sum(e["total"] for e in expected)
    assert document["target"] == {
        "name": "trl",
        "title": "TRL (SFTTrainer), local training",
        "model": QWEN,
        "token_counts": "exact",
    }


def test_trl_assistant_only_flags_examples_whose_answer_lies_past_the_maximum_length(
    long_file: Path, expected: list[dict[str, Any]]
) -> None:
    _, document = lint_json(str(long_file), "--target", "trl", "-m", QWEN, "--train-on", "assistant")
    untrained = problems(document, "FT303")
    wholly_past = {i + 1 for i, e in enumerate(expected) if e["total"] > 1024 and sum(e["mask"][:1024]) == 0}
    assert set(untrained) == wholly_past == {1}
    trained = sum(expected[0]["mask"])
    assert f"all {trained:,} trained tokens lie past the maximum length of 1,024" in untrained[1]
    assert f"({expected[0]['total']:,} tokens as the chat template renders it)" in untrained[1]
    too_long = problems(document, "FT301")
    assert set(too_long) == {1, 2, 4}
    for line in too_long:
        mask = expected[line - 1]["mask"]
        assert f"losing {sum(mask[1024:]):,} of its {sum(mask):,} trained tokens" in too_long[line]


def test_an_example_with_no_assistant_turn_has_no_trained_token_under_assistant_only_loss(tmp_path: Path) -> None:
    path = write(tmp_path, [{"messages": [HI, HELLO]}, {"messages": [HI]}])
    _, document = lint_json(str(path), "--target", "trl", "-m", QWEN, "--train-on", "assistant")
    untrained = problems(document, "FT303")
    assert set(untrained) == {2} and "example has no trained token" in untrained[2]
    _, document = lint_json(str(path), "--target", "trl", "-m", QWEN)  # train-on all: every token trains
    assert not problems(document, "FT303")


# -- 2. axolotl drops; --max-length moves the threshold ------------------------------------------------------------


def test_axolotl_drops_over_long_examples_and_does_not_call_them_untrained(
    long_file: Path, expected: list[dict[str, Any]]
) -> None:
    _, document = lint_json(str(long_file), "--target", "axolotl", "-m", QWEN)
    too_long = problems(document, "FT301")
    assert set(too_long) == {i + 1 for i, e in enumerate(expected) if e["total"] > 512} == {1, 2, 4}
    for line, message in too_long.items():
        trained = sum(expected[line - 1]["mask"])  # axolotl trains the assistant turns
        assert "over the maximum length of 512 (Axolotl's default)" in message
        assert f"Axolotl drops it, with all {trained:,} of its trained tokens" in message
        assert "keeps its first" not in message
    assert not problems(document, "FT303")  # the dropped example 1 is FT301's to report


def test_max_length_overrides_the_trainers_default(long_file: Path, expected: list[dict[str, Any]]) -> None:
    fourth = expected[3]["total"]
    for limit, flagged in ((fourth, {1, 2}), (fourth - 1, {1, 2, 4})):
        _, document = lint_json(str(long_file), "--target", "trl", "-m", QWEN, "--max-length", str(limit))
        too_long = problems(document, "FT301")
        assert set(too_long) == flagged, limit
        for line, message in too_long.items():
            total = expected[line - 1]["total"]
            assert f"over the maximum length of {limit:,} (set by --max-length)" in message
            assert f"keeps its first {limit:,} tokens, losing {total - limit:,} of its {total:,}" in message
    _, document = lint_json(str(long_file), "--target", "axolotl", "-m", QWEN, "--max-length", "100000")
    assert not problems(document, "FT301")


# -- 3. ftdata tokens ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_broken_line(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("broken"), [{"messages": m} for m in LONG], extra=b'{"messages": [\n')


def test_tokens_jsonl_rows_hold_to_transformers_and_to_the_assistant_masks(
    with_broken_line: Path, expected: list[dict[str, Any]]
) -> None:
    code, rows, _ = token_rows(str(with_broken_line), "--target", "trl", "-m", QWEN, "--train-on", "assistant")
    assert code == 1  # example 1 keeps no trained token, and line 5 has no count
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5]
    for row in rows:
        assert set(row) == ROW_KEYS
    for row, want in zip(rows, expected, strict=False):
        mask = want["mask"]
        assert row["path"] == str(with_broken_line)
        assert row["tokens"] == want["total"]
        assert row["trained_tokens"] == sum(mask)
        assert row["kept_tokens"] == min(want["total"], 1024)
        assert row["kept_trained_tokens"] == sum(mask[:1024])
        assert row["dropped"] is False and row["error"] is None
    assert rows[0]["kept_trained_tokens"] == 0
    broken = rows[4]
    assert broken["tokens"] is None and broken["trained_tokens"] is None and broken["kept_tokens"] is None
    assert broken["error"] and "invalid-json" in broken["error"]


def test_tokens_json_document_has_the_same_rows_and_axolotl_marks_the_dropped(
    long_file: Path, expected: list[dict[str, Any]]
) -> None:
    _, out, _ = invoke("tokens", str(long_file), "--isolated", "--target", "axolotl", "-m", QWEN, "-f", "json")
    document = json.loads(out)
    assert document["schema_version"] == 1
    assert document["target"] == "axolotl" and document["model"] == QWEN
    assert document["max_length"] == 512 and document["train_on"] == "assistant" and document["exact"] is True
    rows = document["rows"]
    assert len(rows) == len(LONG)
    for row, want in zip(rows, expected, strict=True):
        assert set(row) == ROW_KEYS
        assert row["tokens"] == want["total"] and row["trained_tokens"] == sum(want["mask"])
        over = want["total"] > 512
        assert row["dropped"] is over
        assert (row["kept_tokens"], row["kept_trained_tokens"]) == (
            (0, 0) if over else (want["total"], sum(want["mask"]))
        )
    figures = document["files"][0]
    assert figures["dropped"] == figures["over_max_length"] == 3
    assert figures["tokens"]["total"] == sum(e["total"] for e in expected)
    assert figures["tokens"]["min"] == min(e["total"] for e in expected)
    assert figures["tokens"]["max"] == max(e["total"] for e in expected)
    _, jsonl, _ = token_rows(str(long_file), "--target", "axolotl", "-m", QWEN)
    assert jsonl == rows


def test_tokens_counts_match_transformers_for_varied_examples(
    tmp_path: Path, qwen: openmodels.ModelFiles, reference: Any
) -> None:
    conversations = [
        [{"role": "system", "content": "You are terse."}, HI, HELLO],
        [
            HI,
            HELLO,
            {"role": "user", "content": "Ça va? 日本語も"},
            {"role": "assistant", "content": "Oui, très bien."},
        ],
        [{"role": "user", "content": prose(60, 9)}, {"role": "assistant", "content": prose(30, 10)}],
        [{"role": "user", "content": "Tabs\tand\nnewlines  "}, {"role": "assistant", "content": "  spaced  "}],
    ]
    path = write(tmp_path, [{"messages": m} for m in conversations])
    code, rows, _ = token_rows(str(path), "-m", QWEN)  # an open-weight model alone: trl by default
    assert code == 0
    assert [row["tokens"] for row in rows] == [len(hf_ids(reference, qwen, m)) for m in conversations]
    assert [row["trained_tokens"] for row in rows] == [row["tokens"] for row in rows]  # TRL: train-on all
    assert all(row["kept_tokens"] == row["tokens"] for row in rows)


def test_tokens_exit_code(tmp_path: Path, long_file: Path) -> None:
    assert token_rows(str(long_file), "--target", "trl", "-m", QWEN)[0] == 0  # every example keeps trained tokens
    assert token_rows(str(long_file), "--target", "trl", "-m", QWEN, "--train-on", "assistant")[0] == 1
    clean = write(tmp_path, [{"messages": [HI, HELLO]}] * 3, name="clean.jsonl")
    assert token_rows(str(clean), "--target", "trl", "-m", QWEN, "--train-on", "assistant")[0] == 0
    broken = write(tmp_path, [{"messages": [HI, HELLO]}] * 3, name="broken.jsonl", extra=b"not json\n")
    code, rows, _ = token_rows(str(broken), "--target", "trl", "-m", QWEN)
    assert code == 1 and rows[-1]["line"] == 4 and rows[-1]["tokens"] is None and rows[-1]["error"]
    no_answer = write(tmp_path, [{"messages": [HI, HELLO]}, {"messages": [HI]}], name="no-answer.jsonl")
    code, rows, _ = token_rows(str(no_answer), "--target", "trl", "-m", QWEN, "--train-on", "assistant")
    assert code == 1 and rows[1]["trained_tokens"] == 0 and rows[1]["error"] is None
    assert token_rows(str(no_answer), "--target", "trl", "-m", QWEN)[0] == 0  # train-on all: it trains


def test_tokens_text_ends_with_the_distribution(long_file: Path, expected: list[dict[str, Any]]) -> None:
    code, out, _ = invoke("tokens", str(long_file), "--isolated", "--target", "trl", "-m", QWEN)
    assert code == 0
    lines = out.rstrip("\n").splitlines()
    assert lines[0].startswith(f"{long_file}:1  {expected[0]['total']:,} tokens")
    distribution = [line for line in lines if line.strip().startswith("tokens ")]
    assert len(distribution) == 1
    labels = re.findall(r"\b(min|p5|median|mean|p95|max) ", distribution[0])
    assert labels == ["min", "p5", "median", "mean", "p95", "max"]
    totals = [e["total"] for e in expected]
    assert f"min {min(totals):,}" in distribution[0] and f"max {max(totals):,}" in distribution[0]
    last_row = max(i for i, line in enumerate(lines) if line.startswith(f"{long_file}:"))
    assert last_row < lines.index(distribution[0]) >= len(lines) - 4  # the distribution closes the output
    trained = next(line for line in lines[last_row + 1 :] if line.strip().startswith("trained "))
    assert re.findall(r"\b(min|p5|median|mean|p95|max) ", trained) == labels


def test_unsloth_keeps_the_first_2048_tokens(long_file: Path, expected: list[dict[str, Any]]) -> None:
    _, document = lint_json(str(long_file), "--target", "unsloth", "-m", QWEN)
    too_long = problems(document, "FT301")
    assert set(too_long) == {i + 1 for i, e in enumerate(expected) if e["total"] > 2048} == {1, 2}
    for line, message in too_long.items():
        total = expected[line - 1]["total"]
        assert "over the maximum length of 2,048 (Unsloth's default)" in message
        assert f"Unsloth keeps its first 2,048 tokens, losing {total - 2048:,} of its {total:,}" in message


def test_train_on_last_trains_the_last_assistant_turn(
    tmp_path: Path, qwen: openmodels.ModelFiles, reference: Any
) -> None:
    messages = [HI, {"role": "assistant", "content": prose(40, 5)}, PLEASE, {"role": "assistant", "content": "Sure."}]
    path = write(tmp_path, [{"messages": messages}])
    mask = hf_mask(reference, qwen, messages)
    turns = runs_of(mask)
    assert len(turns) == 2 and turns[0] > turns[1]
    code, rows, _ = token_rows(str(path), "--target", "trl", "-m", QWEN, "--train-on", "last")
    assert code == 0
    assert rows[0]["tokens"] == len(mask) and rows[0]["trained_tokens"] == turns[1]


def test_a_preference_pair_is_held_to_the_maximum_length_one_side_at_a_time(
    tmp_path: Path, qwen: openmodels.ModelFiles, reference: Any
) -> None:
    """TRL's DPOTrainer cuts each sequence (prompt + chosen, prompt + rejected) at max_length on its own
    (trl/trainer/dpo_trainer.py: "Truncate per sequence"), so a pair whose sides each fit loses nothing."""
    pair = {
        "input": {"messages": [HI]},
        "preferred_output": [{"role": "assistant", "content": "Hello! How can I help you today?"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
    }
    path = write(tmp_path, [pair])
    chosen = len(hf_ids(reference, qwen, [HI, *pair["preferred_output"]]))
    rejected = len(hf_ids(reference, qwen, [HI, *pair["non_preferred_output"]]))
    _, document = lint_json(str(path), "--target", "trl", "-m", QWEN, "--max-length", str(min(chosen, rejected) - 1))
    assert set(problems(document, "FT301")) == {1}  # both sides are cut
    _, document = lint_json(str(path), "--target", "trl", "-m", QWEN, "--max-length", str(max(chosen, rejected)))
    assert not problems(document, "FT301"), "neither side is longer than the maximum length"


def test_axolotl_counts_a_model_that_trl_has_no_training_template_for(tmp_path: Path) -> None:
    """Axolotl masks the assistant turns itself, turn by turn (no {% generation %} blocks needed), so its
    default loss rule must not refuse Llama 3.1 — a user who never gave --train-on is not to be told about it."""
    path = write(tmp_path, [{"messages": [HI, HELLO]}] * 3)
    code, _, err = invoke(
        "lint", str(path), "--isolated", "--target", "axolotl", "-m", "meta-llama/Llama-3.1-8B-Instruct"
    )
    assert code != 2, err


# -- 4. where the files come from ---------------------------------------------------------------------------------


def test_an_unknown_model_says_how_to_get_its_files(tmp_path: Path) -> None:
    path = write(tmp_path, [{"messages": [HI, HELLO]}])
    code, out, err = invoke("tokens", str(path), "--isolated", "-m", "someorg/unknown-model")
    assert code == 2 and not out
    assert "someorg/unknown-model" in err and "--tokenizer" in err
    assert "hf download someorg/unknown-model" in err
    code, _, err = invoke("lint", str(path), "--isolated", "--target", "trl", "-m", "someorg/unknown-model")
    assert code == 2 and "--tokenizer" in err and "hf download" in err


def test_a_trainer_target_without_a_model_asks_for_one(tmp_path: Path) -> None:
    path = write(tmp_path, [{"messages": [HI, HELLO]}])
    for command in ("tokens", "lint"):
        code, _, err = invoke(command, str(path), "--isolated", "--target", "trl")
        assert code == 2, command
        assert "--model" in err and "--tokenizer" in err, (command, err)


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory, qwen: openmodels.ModelFiles) -> Path:
    """A folder laid out as on the Hub: tokenizer.json and a tokenizer_config.json with the chat template."""
    folder = tmp_path_factory.mktemp("qwen-files")
    (folder / "tokenizer.json").write_text(qwen.tokenizer_json, encoding="utf-8")
    config = {**qwen.special_tokens, "chat_template": qwen.template}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_tokenizer_dir_counts_with_no_model(
    tokenizer_dir: Path, long_file: Path, expected: list[dict[str, Any]]
) -> None:
    code, rows, err = token_rows(str(long_file), "--tokenizer", str(tokenizer_dir))
    assert code == 0, err
    assert [row["tokens"] for row in rows] == [e["total"] for e in expected]
    assert [row["kept_tokens"] for row in rows] == [min(e["total"], 1024) for e in expected]  # trl by default
    code, rows, err = token_rows(str(long_file), "--tokenizer", str(tokenizer_dir), "--train-on", "assistant")
    assert code == 1, err  # example 1's answer is past 1,024
    assert [row["trained_tokens"] for row in rows] == [sum(e["mask"]) for e in expected]
    _, document = lint_json(str(long_file), "--target", "trl", "--tokenizer", str(tokenizer_dir))
    assert set(problems(document, "FT301")) == {1, 2, 4}


def test_tokenizer_dir_without_a_chat_template_is_refused(tmp_path: Path, qwen: openmodels.ModelFiles) -> None:
    (tmp_path / "tokenizer.json").write_text(qwen.tokenizer_json, encoding="utf-8")
    path = write(tmp_path, [{"messages": [HI, HELLO]}])
    code, _, err = invoke("tokens", str(path), "--isolated", "--tokenizer", str(tmp_path))
    assert code == 2 and "chat template" in err


# -- 5. weights ---------------------------------------------------------------------------------------------------

REFUSED = {"role": "assistant", "content": "Go away, I refuse to talk to you today.", "weight": 0}
PLEASE = {"role": "user", "content": "Please?"}
HELPFUL = {"role": "assistant", "content": "Hello! How can I help?"}


@pytest.fixture(scope="module")
def weighted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("weights"), [{"messages": [HI, REFUSED, PLEASE, HELPFUL]}] * 3)


@pytest.mark.parametrize(("target", "model"), [("trl", QWEN), ("unsloth", QWEN), ("axolotl", QWEN)])
def test_weight_zero_is_ignored_by_local_trainers(weighted: Path, target: str, model: str) -> None:
    _, document = lint_json(str(weighted), "--target", target, "-m", model)
    found = [p for p in document["files"][0]["problems"] if p["code"] == "FT304"]
    assert [p["line"] for p in found] == [1, 2, 3]
    assert all(p["severity"] == "warning" and p["path"] == "$.messages[1].weight" for p in found)


@pytest.mark.parametrize(("target", "model"), [("together", QWEN), ("openai", "gpt-4.1-mini-2025-04-14")])
def test_weight_zero_is_honoured_by_services(weighted: Path, target: str, model: str) -> None:
    _, document = lint_json(str(weighted), "--target", target, "-m", model)
    assert document["target"]["name"] == target
    assert not problems(document, "FT304")


def test_together_does_not_train_a_turn_weighted_zero(
    tmp_path: Path, weighted: Path, qwen: openmodels.ModelFiles, reference: Any
) -> None:
    plain = write(tmp_path, [{"messages": [HI, {**REFUSED, "weight": 1}, PLEASE, HELPFUL]}] * 3, name="plain.jsonl")
    code, rows, _ = token_rows(str(weighted), str(plain), "--target", "together", "-m", QWEN)
    assert code == 0
    for row in rows:  # no maximum length of a trainer's: no kept_* keys
        assert set(row) == {"path", "line", "tokens", "trained_tokens", "error"}
    with_weight, without = rows[0], rows[3]
    messages = [HI, {k: v for k, v in REFUSED.items() if k != "weight"}, PLEASE, HELPFUL]
    mask = hf_mask(reference, qwen, messages)
    assert with_weight["tokens"] == without["tokens"] == len(mask)
    assert without["trained_tokens"] == sum(mask)  # together trains the assistant turns
    turns = runs_of(mask)
    assert len(turns) == 2
    assert with_weight["trained_tokens"] == sum(mask) - turns[0] == turns[1]


# -- 6. jobs ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few thousand examples, more than PARALLEL_MIN_BLOCKS blocks of BLOCK_BYTES: two jobs split it."""
    pick = random.Random(11)
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(3200):
            prompt = " ".join(pick.choice(WORDS) for _ in range(150 + i % 7 * 40))
            messages = [
                {"role": "user", "content": f"Question {i}: {prompt}"},
                {"role": "assistant", "content": " ".join(pick.choice(WORDS) for _ in range(100))},
            ]
            if i % 500 == 3:
                messages[1]["weight"] = 0
            handle.write(json.dumps({"messages": messages}) + "\n")
            if i == 1700:
                handle.write("{broken\n")
    assert path.stat().st_size > PARALLEL_MIN_BLOCKS * BLOCK_BYTES
    return path


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The blocks sent to worker processes (the pool size of each), as the runner sends them."""
    sent: list[int] = []
    real_submit = Runner._submit

    def counting(self: Runner, task: Any, workers: int) -> Any:
        sent.append(workers)
        return real_submit(self, task, workers)

    monkeypatch.setattr(Runner, "_submit", counting)
    return sent


def test_one_and_two_jobs_give_the_same_report_for_trl(big_file: Path, submitted: list[int]) -> None:
    outputs = {}
    for jobs in ("1", "2"):
        code, out, _ = invoke(
            "lint", str(big_file), "--isolated", "-f", "json", "--jobs", jobs, "--target", "trl", "-m", QWEN,
            "--max-length", "512", "--max-problems-per-rule", "0",
        )  # fmt: skip
        assert code == 1
        outputs[jobs] = out
        if jobs == "1":
            assert not submitted
    assert len(submitted) > PARALLEL_MIN_BLOCKS and set(submitted) == {2}  # two workers really split it
    assert outputs["1"] == outputs["2"]
    document = json.loads(outputs["1"])
    codes = [p["code"] for p in document["files"][0]["problems"]]
    assert codes.count("FT304") == 7 and codes.count("FT001") == 1 and codes.count("FT301") > 500
    assert document["files"][0]["examples"] == 3200


def test_one_and_two_jobs_give_the_same_token_rows(big_file: Path, submitted: list[int]) -> None:
    outputs = {}
    for jobs in ("1", "2"):
        args = ("tokens", str(big_file), "--isolated", "--jobs", jobs, "--target", "trl", "-m", QWEN)
        code, out, _ = invoke(*args, "--train-on", "assistant", "-f", "json")
        assert code == 1  # the broken line
        outputs[jobs] = out
        if jobs == "1":
            assert not submitted
    assert len(submitted) > PARALLEL_MIN_BLOCKS
    assert outputs["1"] == outputs["2"]
    rows = json.loads(outputs["2"])["rows"]
    assert [row["line"] for row in rows] == list(range(1, 3202))  # every line once, in file order
    assert rows[1701]["tokens"] is None and rows[1701]["error"]
    assert sum(row["tokens"] is None for row in rows) == 1


# -- 7. cost ------------------------------------------------------------------------------------------------------


def test_cost_leaves_local_trainers_out_unless_asked(
    tmp_path: Path, qwen: openmodels.ModelFiles, reference: Any
) -> None:
    path = write(tmp_path, [{"messages": [HI, HELLO]}] * 12)
    code, out, err = invoke("cost", str(path), "--isolated", "-f", "json")
    assert code == 0, err
    targets = {row["target"] for row in json.loads(out)["models"]}
    assert targets and not targets & {"trl", "axolotl", "unsloth"}
    code, out, err = invoke("cost", str(path), "--isolated", "-f", "json", "--target", "trl", "-m", QWEN)
    assert code == 0, err
    (row,) = json.loads(out)["models"]
    per_example = len(hf_ids(reference, qwen, [HI, HELLO]))
    assert row["target"] == "trl" and row["model"] == QWEN and row["status"] is None
    assert row["token_counts"] == "exact" and row["usd"] is None and row["price"] is None
    assert row["max_tokens_per_example"] == 1024
    assert row["files"][0]["billed_tokens_per_epoch"] == 12 * per_example
    assert row["files"][0]["epochs"] == 3 and row["trained_tokens"] == 3 * 12 * per_example
    code, out, _ = invoke("cost", str(path), "--isolated", "--target", "trl", "-m", QWEN)
    assert code == 0 and "no price" in out and "$" not in out.split("\n\n")[1]


def test_axolotl_cost_counts_no_token_of_a_dropped_example(long_file: Path, expected: list[dict[str, Any]]) -> None:
    """Axolotl drops an over-long example (ftdata tokens says it keeps 0 tokens of it): the job processes
    only the examples that fit, not 512 tokens of each dropped one."""
    code, out, err = invoke(
        "cost", str(long_file), "--isolated", "-f", "json", "--target", "axolotl", "-m", QWEN, "--epochs", "1"
    )
    assert code == 0, err
    (row,) = json.loads(out)["models"]
    _, rows, _ = token_rows(str(long_file), "--target", "axolotl", "-m", QWEN)
    kept = sum(r["kept_tokens"] for r in rows)
    assert kept == sum(e["total"] for e in expected if e["total"] <= 512)
    assert row["files"][0]["billed_tokens_per_epoch"] == kept


# -- 8. the date the template reads -------------------------------------------------------------------------------


def test_a_template_that_reads_the_date_is_reported_once_per_file(tmp_path: Path) -> None:
    one = write(tmp_path, [{"messages": [HI, HELLO]}] * 3, name="one.jsonl")
    two = write(tmp_path, [{"messages": [HI, HELLO]}] * 2, name="two.jsonl")
    _, document = lint_json(str(one), str(two), "--target", "trl", "-m", LLAMA, "--date", "2025-03-04")
    for report in document["files"]:
        found = [p for p in report["problems"] if p["code"] == "FT305"]
        assert len(found) == 1 and found[0]["line"] is None and found[0]["severity"] == "info"
        assert "2025-03-04" in found[0]["message"] and LLAMA in found[0]["message"]
    _, document = lint_json(str(one), "--target", "trl", "-m", LLAMA)  # the day the rules see (pinned)
    (message,) = problems(document, "FT305").values()
    assert "2026-06-01" in message
    _, document = lint_json(str(one), "--target", "trl", "-m", QWEN, "--date", "2025-03-04")
    assert not problems(document, "FT305")  # Qwen's template reads no date


def test_the_date_given_is_the_one_rendered_and_counted(tmp_path: Path) -> None:
    with mock.patch.dict(os.environ, {"HF_HUB_CACHE": str(_NO_CACHE)}):
        files = openmodels.find_files(LLAMA)
    assert files.encoding is not None
    path = write(tmp_path, [{"messages": [HI, HELLO]}])
    for day, shown in (("2025-03-04", "04 Mar 2025"), ("2024-09-25", "25 Sep 2024")):
        template = ChatTemplate(files.template, date=datetime.date.fromisoformat(day))
        text = template.render([HI, HELLO], special_tokens=files.special_tokens).text
        assert f"Today Date: {shown}" in text
        code, rows, _ = token_rows(str(path), "--target", "trl", "-m", LLAMA, "--date", day)
        assert code == 0
        assert rows[0]["tokens"] == len(files.encoding.encode(text, allowed_special="all"))


# -- 9. the library -----------------------------------------------------------------------------------------------


def test_library_lint_on_trl_with_qwen3_counts_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, [{"messages": [HI, HELLO]}] * 3)
    report = ftdata.lint(path, target="trl", model="Qwen/Qwen3-8B")
    block = report.to_dict()["target"]
    assert block["name"] == "trl" and block["model"] == "Qwen/Qwen3-8B"
    assert block["token_counts"] == "exact"
    assert report.tokens is not None and report.tokens.encoding == "Qwen/Qwen3-8B"
    estimated = ftdata.lint(path)  # an OpenAI target with no model: for contrast
    assert estimated.to_dict()["target"]["name"] == "openai"
