"""Every format the service accepts, as whole files: valid ones lint clean, broken ones at each line."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import ftdata
from ftdata.formats import detect_format
from ftdata.images import image_tokens, inspect_data_url, sniff
from ftdata.tokens import counter_for
from tests.conftest import FIXTURES

EXAMPLES = FIXTURES / "examples"


@pytest.mark.parametrize(
    ("name", "model", "file_format", "options"),
    [
        ("support-chat", "gpt-4o-mini", "chat", {}),
        ("vision-chat", "gpt-4o", "chat", {}),
        ("dpo", "gpt-4o-mini", "preference", {}),
        ("dpo", "gpt-4.1-nano", "preference", {}),
        ("rft", "o4-mini", "rft", {"method": "rft", "options": {"missing-grader-key": {"keys": ["answer", "topic"]}}}),
        ("prompt-completion", "babbage-002", "prompt-completion", {}),
        ("prompt-completion", "davinci-002", "prompt-completion", {}),
    ],
)
def test_valid_file_of_each_format_has_no_error(name: str, model: str, file_format: str, options: dict) -> None:  # type: ignore[type-arg]
    report = ftdata.lint(EXAMPLES / f"{name}.jsonl", model=model, **options)
    assert report.files[0].format == file_format
    assert [p for p in report.problems if p.severity == "error"] == []
    assert report.tokens is not None and report.tokens.total > 0


# (line, code) of the defects planted one per line (line 1 sets the file's format).
PLANTED = {
    "broken-tools": [
        (2, "FT130"),
        (3, "FT131"),
        (4, "FT132"),
        (5, "FT133"),
        (6, "FT134"),
        (7, "FT135"),
        (8, "FT136"),
        (9, "FT137"),
        (10, "FT138"),
        (11, "FT139"),
        (12, "FT140"),
    ],
    "broken-vision": [
        (2, "FT150"),
        (3, "FT151"),
        (4, "FT151"),
        (5, "FT151"),
        (6, "FT152"),
        (7, "FT108"),
        (None, "FT153"),
    ],
    "broken-dpo": [(2, "FT160"), (3, "FT160"), (4, "FT160"), (5, "FT203"), (6, "FT110"), (7, "FT120")],
    "broken-rft": [(2, "FT170"), (3, "FT171"), (4, "FT220")],
    "broken-prompt-completion": [(2, "FT180"), (3, "FT110"), (4, "FT180")],
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_each_planted_defect_is_reported_at_its_line(name: str) -> None:
    options = {"method": "rft", "options": {"missing-grader-key": {"keys": ["answer"]}}} if name == "broken-rft" else {}
    report = ftdata.lint(EXAMPLES / f"{name}.jsonl", ignore=["FT401", "FT402"], **options)
    found = {(p.line, p.code) for p in report.problems}
    assert set(PLANTED[name]) <= found
    assert {line for line, _ in found if line is not None} == {line for line, _ in PLANTED[name] if line}
    assert not report.ok


def test_format_detection_and_method() -> None:
    chat = {"messages": []}
    assert detect_format(chat) == "chat" and detect_format(chat, "rft") == "rft"
    assert detect_format({"input": {}}) == "preference" and detect_format({"prompt": "x"}) == "prompt-completion"
    assert detect_format({}) == "chat" and detect_format({}, "dpo") == "preference"


def test_prompt_completion_on_a_chat_model_says_how_to_convert() -> None:
    report = ftdata.lint(EXAMPLES / "prompt-completion.jsonl", model="gpt-4o-mini")
    (problem,) = [p for p in report.problems if p.code == "FT121"]
    assert "davinci-002, babbage-002" in problem.message and '{"messages": [{"role": "user"' in problem.message


def test_dpo_counts_input_and_both_outputs() -> None:
    counter = counter_for("gpt-4o-mini")
    from ftdata.scan import count_example

    pair = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello there"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away"}],
    }
    tokens = count_example(counter, pair, "preference")
    prompt = counter.chat(pair["input"]["messages"]).total
    outputs = sum(counter.message(pair[k][0])[0] for k in ("preferred_output", "non_preferred_output"))
    assert tokens.total == prompt + outputs and tokens.trained == outputs


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_image_sizes_and_tokens() -> None:
    png = _png(1024, 1024)
    assert sniff(png) == ("png", 1024, 1024)
    info = inspect_data_url("data:image/png;base64," + base64.b64encode(png).decode())
    assert (info.declared, info.actual, info.width, info.height, info.error) == ("png", "png", 1024, 1024, None)
    assert image_tokens("low", 1024, 1024) == 85
    assert image_tokens("high", 1024, 1024) == 85 + 170 * 4  # 1024 -> 768 short side: 2 x 2 tiles
    assert image_tokens("high", 2048, 4096) == 85 + 170 * 6  # fit 1024x2048, then 768x1536: 2 x 3 tiles
    assert image_tokens(None, None, None) == 85 + 170  # unknown size: one tile, an estimate
    counter = counter_for("gpt-4o")
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    message = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url, "detail": "high"}}]}
    assert counter.message(message) == (3 + counter.text("user") + 765, True)


def test_special_tokens_list_matches_the_real_encodings() -> None:
    from ftdata.encodings import SPECIAL_TOKENS, get_encoding

    for name, tokens in SPECIAL_TOKENS.items():
        assert set(tokens) == get_encoding(name).special_tokens_set


def test_vision_file_costs_include_image_tokens(tmp_path: Path) -> None:
    report = ftdata.lint(EXAMPLES / "vision-chat.jsonl", model="gpt-4o")
    assert report.tokens is not None and report.tokens.estimated
    text_only = tmp_path / "text.jsonl"
    text_only.write_text((EXAMPLES / "vision-chat.jsonl").read_text().replace('"type": "image_url"', '"type": "x"'))
    assert ftdata.lint(text_only, model="gpt-4o", select=["FT001"]).tokens.total < report.tokens.total  # type: ignore[union-attr]
