"""The fast exact counter (bpe-openai's Rust count) against the reference (tiktoken's encode_ordinary): the
same count for every string, on both encodings, and the same reports whichever counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftdata.encodings import SPECIAL_TOKENS, fast_count, get_encoding
from tests.conftest import FIXTURES, ROOT

ENCODINGS = ("o200k_base", "cl100k_base")

# Unicode of every kind, and the characters the encodings' patterns treat specially: contractions, digit
# runs, whitespace runs and line ends, combining marks, emoji with modifiers, special-token text.
_PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\r\n",
        "'s",
        "'LL",
        "'re",
        "123",
        "1234567",
        "é",
        "e\u0301",
        "😀",
        "👍🏽",
        "日本語",
        "العربية",
        "हिन्दी",
        "ß",
        "ﬁ",
        "½",
        "\u200b",
        "\ufeff",
        "<|endoftext|>",
        "<|fim_prefix|>",
        "```",
        "...",
        "!!!",
        "https://example.com/a?b=c",
        "\x00",
        "\U0010ffff",
    ]
)
TEXT = st.lists(st.characters(codec="utf-8") | _PIECES, max_size=400).map("".join)


@pytest.fixture(scope="module", params=ENCODINGS)
def pair(request: pytest.FixtureRequest) -> tuple[object, object]:
    fast = fast_count(request.param)
    if fast is None:
        pytest.skip("bpe-openai's binding is not loadable here: tiktoken counts (the fallback is tested elsewhere)")
    return fast, get_encoding(request.param).encode_ordinary


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(text=TEXT)
def test_the_fast_counter_counts_as_tiktoken_on_any_text(pair: tuple[object, object], text: str) -> None:
    fast, encode = pair
    assert fast(text) == len(encode(text))  # type: ignore[operator, arg-type]


def _real_texts() -> list[str]:
    """Every string value of every bundled example file, and the prose of the repository and its shared notes."""
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                texts.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted((FIXTURES / "examples").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                walk(json.loads(line))
            except ValueError:
                texts.append(line)  # broken lines are text too
    prose = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "ftdata").glob("*.py"))]
    prose += sorted(ROOT.parent.joinpath("shared").glob("**/*.md")) + sorted(
        ROOT.parent.joinpath("shared").glob("**/*.txt")
    )
    for path in prose:
        text = path.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        texts.extend(text.split("\n\n"))
    return texts


def test_the_fast_counter_counts_as_tiktoken_on_real_text(pair: tuple[object, object]) -> None:
    fast, encode = pair
    texts = _real_texts()
    assert len(texts) > 1000 and sum(map(len, texts)) > 200_000
    mismatches = [text[:60] for text in texts if fast(text) != len(encode(text))]  # type: ignore[operator, arg-type]
    assert mismatches == []


def test_the_fast_counter_counts_long_and_pathological_strings_as_tiktoken(pair: tuple[object, object]) -> None:
    fast, encode = pair
    for text in ("word " * 200_000, "a" * 300_000, "1" * 100_000, "😀" * 50_000, " " * 400_000 + "x"):
        assert fast(text) == len(encode(text))  # type: ignore[operator, arg-type]


def test_special_token_text_is_counted_as_ordinary_text(pair: tuple[object, object]) -> None:
    fast, encode = pair
    for token in {t for tokens in SPECIAL_TOKENS.values() for t in tokens}:
        assert fast(f"a {token} b") == len(encode(f"a {token} b"))  # type: ignore[operator, arg-type]


def _lint_json(path: Path, counter: str, jobs: str) -> str:
    env = {**os.environ, "FTDATA_COUNTER": counter, "FTDATA_TODAY": "2026-06-01"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ftdata",
            "lint",
            str(path),
            "--isolated",
            "-f",
            "json",
            "--jobs",
            jobs,
            "-m",
            "gpt-4o-mini",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


@pytest.mark.parametrize("name", ["broken-chat.jsonl", "vision-chat.jsonl", "broken-tools.jsonl", "dpo.jsonl"])
def test_reports_are_byte_identical_whichever_counter_counts(name: str) -> None:
    path = FIXTURES / "examples" / name
    reference = _lint_json(path, "tiktoken", "1")
    assert _lint_json(path, "bpe-openai", "1") == reference
    assert _lint_json(path, "bpe-openai", "2") == reference


def test_the_fast_counter_is_loaded_without_the_packages_registries() -> None:
    """bpe-openai's __init__ builds registries for every encoding (a third of a second): ftdata loads only its
    binding, and counting a small file imports neither the package nor tiktoken (nor builds its encoding)."""
    code = (
        "import sys, ftdata\n"
        "m = [{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Hello'}]\n"
        "r = ftdata.lint([{'messages': m}], model='gpt-4o-mini')\n"
        "assert r.files[0].tokens.total > 0\n"
        "import ftdata.encodings as e\n"
        "print('bpe_openai' in sys.modules, 'tiktoken' in sys.modules, e.fast_count('o200k_base') is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=True).stdout
    assert out.split() == ["False", "False", "True"]
