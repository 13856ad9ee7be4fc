"""ftdata stats: figures checked against counts made here from the files (the real o200k_base encoding), the
same answers whatever the blocks and workers, a stable JSON document, and no secret ever printed."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import ftdata
from ftdata.encodings import get_encoding
from ftdata.stats import DatasetStatistics, Figures
from tests.conftest import FIXTURES, invoke

CLEAN = FIXTURES / "examples" / "clean-500.jsonl"
SUPPORT = FIXTURES / "examples" / "support-chat.jsonl"
SECRET = "sk-proj-Hx8Wq2Lm5Zr9Tb4Vn7Kc1Pd6Fg3Js0YaEu2Mi8Oq"  # planted; never printed
TOKEN = "ghp_R4nd0mT0k3nV4lu3Xy7Zq2Wm9Pk5Lb8Nc3Hd"  # planted as an answer (a label!); never printed
EMAIL = "oriana.vasquez@fernhill-post.org"


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def chat(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    return {"messages": [*messages, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def expected(values: list[int]) -> dict[str, Any]:
    """count, total, min / p5 / median / mean / p95 / max: the percentiles numpy's default (linear) ones, the
    figures to 0.1 (as ftdata rounds them)."""
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=20, method="inclusive")
    rounding = pytest.approx  # to 0.05: ftdata rounds to one decimal
    return {
        "count": len(ordered),
        "total": sum(ordered),
        "min": ordered[0],
        "p5": rounding(cuts[0], abs=0.0501),
        "median": rounding(statistics.median(ordered), abs=0.0501),
        "mean": rounding(statistics.fmean(ordered), abs=0.0501),
        "p95": rounding(cuts[-1], abs=0.0501),
        "max": ordered[-1],
    }


def figures(found: Figures) -> dict[str, Any]:
    return {key: value for key, value in found.to_dict().items() if key != "histogram"}


def test_figures_match_counts_made_independently() -> None:
    """Every distribution of a real file, recounted here with the encoding itself and OpenAI's recipe (3 tokens
    a message, its role and content, 3 to prime the reply)."""
    encoding = get_encoding("o200k_base")

    def tokens(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    rows = records(CLEAN)
    per_example, trained, lengths, turns = [], [], [], []
    by_role: dict[str, list[int]] = {}
    systems: Counter[str] = Counter()
    for row in rows:
        counts = [3 + tokens(m["role"]) + tokens(m["content"]) for m in row["messages"]]
        for message, count in zip(row["messages"], counts, strict=True):
            by_role.setdefault(message["role"], []).append(count)
        per_example.append(sum(counts) + 3)
        trained.append(sum(c for m, c in zip(row["messages"], counts, strict=True) if m["role"] == "assistant"))
        lengths.append(len(row["messages"]))
        turns.append(sum(m["role"] == "user" for m in row["messages"]))
        systems.update(m["content"] for m in row["messages"] if m["role"] == "system")
    found = ftdata.stats(CLEAN, model="gpt-4o-mini")
    assert isinstance(found, DatasetStatistics)
    file = found.file(str(CLEAN))
    assert file.examples == len(rows) == 500 and file.encoding == "o200k_base" and file.limit == 65_536
    assert figures(file.tokens) == expected(per_example)
    assert figures(file.trained_tokens) == expected(trained)
    assert file.messages is not None and figures(file.messages) == expected(lengths)
    assert file.user_turns is not None and figures(file.user_turns) == expected(turns)
    assert set(file.tokens_by_role) == set(by_role) == {"system", "user", "assistant"}
    for role, counts in by_role.items():
        assert figures(file.tokens_by_role[role]) == expected(counts), role
    assert file.distinct_system_prompts == len(systems) and file.without_system_prompt == 0
    assert [entry.count for entry in file.system_prompts] == sorted(systems.values(), reverse=True)
    assert sum(n for _, _, n in file.tokens.histogram) == 500  # the bins hold every example
    assert file.repeated_answers == () and file.refusals == 0 and file.labels is None  # a clean file
    assert file.findings == {}  # no duplicate found, and the rules did run
    assert {"FT511", "FT512", "FT513"} <= found.checked


def test_planted_repeats_refusals_labels_and_duplicates(tmp_path: Path) -> None:
    clean = records(CLEAN)
    rows = [*clean[:100], clean[5], clean[5], clean[70]]  # 3 duplicates (FT511)
    refusals = ["I'm sorry, but I can't help with that.", "I cannot assist with that request.", "I must decline."]
    rows += [chat(f"Write my essay number {n}.", refusals[n % 3]) for n in range(12)]
    path = write(tmp_path / "planted.jsonl", rows)
    file = ftdata.stats(path).files[0]
    assert file.refusals == 12 and file.answers == 115 and file.refusal_share == pytest.approx(12 / 115)
    assert file.findings == {"FT511": 3} and file.duplicates == 3
    ties = [(e.count, e.preview) for e in file.repeated_answers[:3]]
    assert ties == [(4, text) for text in sorted(refusals)]  # ties in the order their previews read
    assert [e.count for e in file.repeated_answers[3:]] == [3, 2]  # line 6's answer thrice, line 71's twice

    labels = ["positive"] * 36 + ["Positive."] * 4 + ["negative"] * 20 + ["  NEUTRAL "] * 12
    path = write(
        tmp_path / "labels.jsonl", [chat(f"Review {n}: it was fine.", label) for n, label in enumerate(labels)]
    )
    file = ftdata.stats(path).files[0]
    assert file.labels is not None
    assert [(e.preview, e.count) for e in file.labels] == [("positive", 40), ("negative", 20), ("NEUTRAL", 12)]
    assert file.labels[0].share == pytest.approx(40 / 72)
    code, out, _ = invoke("stats", str(path), "--isolated")
    assert code == 0 and "Labels: 3 classes" in out and '"NEUTRAL"' in out


def test_the_same_figures_with_one_or_two_workers_on_a_file_split_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = records(CLEAN)
    rows = [*clean, clean[10], clean[400], clean[10], *clean[:40]]  # copies far from their first lines
    rows += [chat(f"Essay {n}, please.", "I can't help with that.") for n in range(30)]
    path = write(tmp_path / "big.jsonl", rows)
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    assert path.stat().st_size > 60 * 4096
    outputs = {}
    for jobs in ("1", "2"):
        code, json_out, _ = invoke("stats", str(path), "--isolated", "-f", "json", "--jobs", jobs)
        assert code == 0
        code, text_out, _ = invoke("stats", str(path), "--isolated", "--jobs", jobs)
        assert code == 0
        outputs[jobs] = (json_out, text_out)
    assert outputs["1"] == outputs["2"]
    document = json.loads(outputs["1"][0])
    file = document["files"][0]
    assert file["examples"] == len(rows) and file["findings"]["FT511"] == 43
    assert file["answers"]["refusals"] == 30
    top = file["answers"]["repeated"]
    assert top[0]["count"] == 30 and top[0]["preview"] == "I can't help with that."
    assert all(entry["preview"] for entry in top)  # a preview kept for every answer listed
    # blocks of another size: the same figures (a preview's line may be another copy's)
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 1 << 20)
    _, whole, _ = invoke("stats", str(path), "--isolated", "-f", "json", "--jobs", "1")

    def without_lines(document: dict[str, Any]) -> dict[str, Any]:
        for found in document["files"]:
            for entry in [*found["answers"]["repeated"], *found["system_prompts"]["top"]]:
                entry.pop("line")
        return document

    assert without_lines(json.loads(whole)) == without_lines(document)


FIGURE_KEYS = {"count", "total", "min", "p5", "median", "mean", "p95", "max", "histogram"}
ENTRY_KEYS = {"count", "share", "preview", "line"}
FILE_KEYS = {
    "path",
    "role",
    "format",
    "examples",
    "encoding",
    "max_tokens_per_example",
    "messages_per_example",
    "user_turns",
    "tokens",
    "trained_tokens",
    "tokens_per_message_by_role",
    "system_prompts",
    "answers",
    "labels",
    "findings",
}


def test_the_json_document_keeps_its_shape(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    valid = write(tmp_path / "valid.jsonl", records(SUPPORT)[:5])
    code, out, _ = invoke(
        "stats", str(SUPPORT), str(empty), "--validation-file", str(valid), "--isolated", "-f", "json", "-m", "gpt-4o"
    )
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"schema_version", "target", "files", "inputs_failed"} and document["schema_version"] == 1
    assert set(document["target"]) == {"name", "title", "model", "counted_with", "token_counts"}
    assert [(f["path"], f["role"]) for f in document["files"]] == [
        (str(SUPPORT), "training"),
        (str(empty), "training"),
        (str(valid), "validation"),
    ]
    for file in document["files"]:
        assert set(file) == FILE_KEYS
        for key in ("tokens", "trained_tokens"):
            assert set(file[key]) == FIGURE_KEYS
        for found in file["tokens_per_message_by_role"].values():
            assert set(found) == FIGURE_KEYS
        assert set(file["system_prompts"]) == {"distinct", "without", "top"}
        assert set(file["answers"]) == {"count", "distinct", "repeated", "refusals", "refusal_share"}
        for entry in [*file["system_prompts"]["top"], *file["answers"]["repeated"]]:
            assert set(entry) == ENTRY_KEYS
        assert set(file["findings"]) == {"FT511", "FT512", "FT513", "FT405", "FT514"}
    support, nothing, validation = document["files"]
    assert set(support["messages_per_example"]) == FIGURE_KEYS and support["tokens"]["count"] == 60
    assert nothing["examples"] == 0 and nothing["messages_per_example"] is None and nothing["tokens"]["histogram"] == []
    assert nothing["answers"]["refusal_share"] is None and nothing["labels"] is None
    assert validation["findings"]["FT405"] == 5  # the five lines are copies of training examples


def test_no_secret_or_address_is_ever_printed(tmp_path: Path) -> None:
    clean = records(CLEAN)[:30]
    system = f"You are the ops bot. Deploy with the key {SECRET}; mail {EMAIL} when done."
    rows = clean + [chat(f"Deploy service {n}.", "Deployed.", system) for n in range(8)]
    rows += [chat("Who sent it?", f"It came from {EMAIL}, with the key {SECRET}.")] * 3
    path = write(tmp_path / "secrets.jsonl", rows)
    labels = write(tmp_path / "labels.jsonl", [chat(f"Token {n}?", TOKEN if n % 4 == 0 else "none") for n in range(60)])
    outputs = [invoke("stats", str(path), str(labels), "--isolated", *form)[1] for form in ([], ["-f", "json"])]
    found = ftdata.stats([path, labels])
    outputs.append(repr(found.to_dict()) + repr(found.files))
    for out in outputs:
        for planted in (SECRET, TOKEN, EMAIL):
            assert planted not in out and planted.lower() not in out
            assert planted[8:20] not in out and planted[-12:] not in out
    text = outputs[0]
    assert "sk-pro…" in text and '"ghp_R4…"' in text  # masked, as the secret rules show them
    prompts = found.files[0].system_prompts
    assert [entry.count for entry in prompts] == [30, 8] and "sk-pro…" in (prompts[1].preview or "")
    assert found.files[1].labels is not None and [e.count for e in found.files[1].labels] == [45, 15]


def test_the_command_line_names_what_it_cannot_read(tmp_path: Path) -> None:
    code, _, err = invoke("stats", str(tmp_path / "missing.jsonl"), "--isolated")
    assert code == 2 and "missing.jsonl" in err
    code, out, err = invoke("stats", str(SUPPORT), str(tmp_path / "missing.jsonl"), "--isolated")
    assert code == 2 and "missing.jsonl" in err and "support-chat.jsonl" in out
