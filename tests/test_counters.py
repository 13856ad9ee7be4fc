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


# -- open-weight models: the tiktoken encoding ftdata builds from a tokenizer.json (ftdata/fastbpe.py) --------------

_OPEN_SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "<｜User｜>"]
OPEN_TEXT = st.lists(st.characters(codec="utf-8") | _PIECES | st.sampled_from(_OPEN_SPECIALS), max_size=300).map(
    "".join
)


def _fast_families() -> list[str]:
    from ftdata import fastbpe, openmodels

    try:
        import tokenizers  # noqa: F401
    except ImportError:
        return []
    names = []
    for family in openmodels.families():
        if "package" in family.tokenizer and openmodels.available(family.repos[0]):
            files = openmodels.find_files(family.repos[0])
            if fastbpe.tiktoken_encoding(files.tokenizer_json) is not None:
                names.append(family.name)
    return names


FAST_FAMILIES = _fast_families()


@pytest.fixture(scope="module", params=FAST_FAMILIES)
def open_pair(request: pytest.FixtureRequest) -> tuple[object, object, bool]:
    """(ftdata's tiktoken encoding of a family's tokenizer.json, the tokenizers library's tokenizer, NFC?)"""
    import tokenizers

    from ftdata import fastbpe, openmodels

    family = next(f for f in openmodels.families() if f.name == request.param)
    files = openmodels.find_files(family.repos[0])
    found = fastbpe.tiktoken_encoding(files.tokenizer_json)
    assert found is not None
    return found[0], tokenizers.Tokenizer.from_str(files.tokenizer_json), found[1]


def test_the_qwen_tokenizers_take_the_fast_path() -> None:
    assert {"qwen2_5", "qwen3"} <= set(FAST_FAMILIES)


def test_pinned_tokenizers_pass_the_checks_they_skip() -> None:
    """A tokenizer.json open-models.toml pins is built without checking its merges again: every pinned one
    that takes the fast path passes those checks, so the encoding is the one the checks would allow."""
    from ftdata import fastbpe, openmodels

    for family in openmodels.families():
        if family.name not in FAST_FAMILIES:
            continue
        files = openmodels.find_files(family.repos[0])
        assert files.tokenizer_sha256 in openmodels.pinned_tokenizers(), family.name
        spec = json.loads(files.tokenizer_json)
        merges, vocab = spec["model"].get("merges") or [], spec["model"]["vocab"]
        assert fastbpe._merges_in_rank_order(merges, vocab), family.name
        assert spec["model"].get("ignore_merges") or fastbpe._every_token_merged(merges, vocab), family.name
        checked = fastbpe.tiktoken_encoding(files.tokenizer_json)
        skipped = fastbpe.tiktoken_encoding(files.tokenizer_json, pinned=True)
        assert checked is not None and skipped is not None
        assert checked[0]._mergeable_ranks == skipped[0]._mergeable_ranks and checked[1] == skipped[1]
    # and the checks still refuse merges out of rank order
    assert not fastbpe._merges_in_rank_order(["a b", "c d"], {"ab": 5, "cd": 3})
    assert not fastbpe._every_token_merged(["a b"], {"a": 0, "b": 1, "ab": 2, "xy": 3})


def _same_ids(pair: tuple[object, object, bool], text: str) -> bool:
    import unicodedata

    encoding, reference, nfc = pair
    if nfc and not unicodedata.is_normalized("NFC", text):
        return True  # such texts are left to the tokenizers library (the counter's own test below)
    ours = encoding.encode(text, allowed_special="all")  # type: ignore[attr-defined]
    return bool(ours == reference.encode(text, add_special_tokens=False).ids)  # type: ignore[attr-defined]


@settings(max_examples=800, deadline=None, derandomize=True)
@given(text=OPEN_TEXT)
def test_the_open_model_fast_path_gives_the_tokenizers_ids_on_any_text(
    open_pair: tuple[object, object, bool], text: str
) -> None:
    assert _same_ids(open_pair, text)


def test_the_open_model_fast_path_gives_the_tokenizers_ids_on_real_text(open_pair: tuple[object, object, bool]) -> None:
    mismatches = [text[:60] for text in _real_texts() if not _same_ids(open_pair, text)]
    assert mismatches == []
    for text in ("word " * 50_000, "a" * 100_000, "1" * 50_000, "😀" * 20_000, " " * 100_000 + "x"):
        assert _same_ids(open_pair, text)


def test_texts_the_normalizer_would_change_are_counted_by_the_tokenizers_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A decomposed accent (not NFC) goes to the tokenizers library; reports are the same either way."""
    from ftdata import openmodels

    files = openmodels.find_files("Qwen/Qwen2.5-7B-Instruct")
    fast = openmodels.RenderedCounter(files, train_on="assistant")
    assert fast._tiktoken is not None and fast._nfc
    monkeypatch.setenv("FTDATA_COUNTER", "tokenizers")
    slow = openmodels.RenderedCounter(files, train_on="assistant")
    assert slow._tiktoken is None
    records = [
        {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": text[::-1]}]}
        for text in ("cafe\u0301 ok", "café ok", "日本語 😀", "plain text", "e\u0301" * 50)
    ]
    assert fast.count_batch(records, "chat") == slow.count_batch(records, "chat")
