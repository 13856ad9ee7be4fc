"""Token counts: the API-verified figures of FACTS.md §4, model → encoding, trained and truncated tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.catalog import load_catalog
from ftdata.tokens import TokenCounter, counter_for

# The OpenAI cookbook's example conversation; the API's usage.prompt_tokens for it is 129 on gpt-3.5-turbo
# and gpt-4, and 124 on gpt-4o and gpt-4o-mini.
CORPORATE_JARGON = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon "
        "into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch "
        "base on opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]
# The cookbook's tools example; the API counts 105 prompt tokens on gpt-3.5-turbo and gpt-4, 101 on gpt-4o(-mini).
WEATHER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
WEATHER_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-3.5-turbo", 129),
        ("gpt-3.5-turbo-0125", 129),
        ("gpt-4o", 124),
        ("gpt-4o-mini", 124),
        ("gpt-4o-2024-08-06", 124),
        ("gpt-4o-mini-2024-07-18", 124),
    ],
)
def test_messages_match_the_api(model: str, expected: int) -> None:
    assert ftdata.count_tokens(CORPORATE_JARGON, model=model) == expected


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-3.5-turbo", 105),
        ("gpt-4o", 101),
        ("gpt-4o-mini", 101),
    ],
)
def test_tools_match_the_api(model: str, expected: int) -> None:
    assert ftdata.count_tokens(WEATHER_MESSAGES, model=model, tools=WEATHER_TOOLS) == expected


def test_fine_tuned_names_use_their_base_models_encoding() -> None:
    # tiktoken maps ft:gpt-4.1-* to cl100k_base, which is wrong: the 4.1 family uses o200k_base.
    counter = counter_for("ft:gpt-4.1-mini-2025-04-14:acme::abc123")
    assert counter.encoding.name == "o200k_base"
    assert counter_for("ft:gpt-3.5-turbo-0125:acme:x:1").encoding.name == "cl100k_base"
    assert counter_for("ft:o4-mini-2025-04-16:acme:x:1").encoding.name == "o200k_base"


def test_every_catalog_model_counts_offline() -> None:
    for model in load_catalog().models:
        assert ftdata.count_tokens([{"role": "user", "content": "héllo wörld"}], model=model.name) > 7


def test_encodings_differ_where_they_should() -> None:
    text = [{"role": "user", "content": "日本語のテキストはエンコーディングによってトークン数が変わります。"}]
    assert ftdata.count_tokens(text, model="gpt-3.5-turbo") != ftdata.count_tokens(text, model="gpt-4o")


def _example(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"messages": list(messages)}


def test_trained_tokens_are_assistant_messages_with_nonzero_weight() -> None:
    counter = counter_for("gpt-4o-mini")
    user = {"role": "user", "content": "What is the capital of France?"}
    answer = {"role": "assistant", "content": "Paris is the capital of France."}
    skipped = {**answer, "weight": 0}
    full = counter.chat([user, answer])
    assert full.trained == counter.message(answer)[0] == 3 + counter.text("assistant") + counter.text(answer["content"])
    assert full.total == 3 + counter.message(user)[0] + full.trained
    assert counter.chat([user, skipped]).trained == 0
    assert counter.chat([user, skipped]).total == full.total + 0  # weight is not text: costs no token


def test_trained_tokens_beyond_a_limit() -> None:
    counter = counter_for("gpt-4o-mini")
    user = {"role": "user", "content": "word " * 50}
    answer = {"role": "assistant", "content": "word " * 50}
    tokens = counter.chat([user, answer])
    user_tokens, answer_tokens = (t for t, _ in tokens.messages)
    assert tokens.trained_tokens_beyond(tokens.total) == 0
    assert tokens.trained_tokens_beyond(user_tokens) == answer_tokens  # the whole answer is cut
    assert tokens.trained_tokens_beyond(user_tokens + 10) == answer_tokens - 10


def test_images_and_tool_calls_are_marked_as_estimates() -> None:
    counter = counter_for("gpt-4o")
    image = {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is it?"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        ],
    }
    assert counter.chat([image]).estimated
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}],
    }
    assert counter.chat([call]).estimated
    assert not counter.chat(WEATHER_MESSAGES).estimated


def test_plain_chat_counts_equal_the_general_counter() -> None:
    from ftdata.formats import is_plain_chat
    from tests.test_rules import _plain_chat_corpus

    for model in ("gpt-4o-mini", "gpt-3.5-turbo"):
        counter = counter_for(model)
        for record in _plain_chat_corpus():
            assert is_plain_chat(record)
            fast, general = counter.plain_chat(record["messages"]), counter.chat(record["messages"])
            assert (fast.total, fast.trained, fast.messages) == (general.total, general.trained, general.messages)


def test_the_string_cache_is_bounded_and_exact() -> None:
    from ftdata import tokens

    counter = counter_for("gpt-4o-mini")
    system = {"role": "system", "content": "You are terse. " * 40}
    expected = 3 + counter.text("system") + counter.text(system["content"])
    for n in range(tokens.CACHE_ENTRIES + 10):
        assert counter.message({"role": "system", "content": f"prompt {n}"})[0] == 3 + 1 + counter.text(f"prompt {n}")
        assert len(counter._cache) <= tokens.CACHE_ENTRIES
    assert counter.message(system)[0] == expected == counter.message(system)[0]


def test_token_statistics_from_the_histogram_are_exact() -> None:
    import random
    import statistics

    from ftdata.report import TokenStats

    rng = random.Random(3)
    for size in (1, 2, 7, 100, 1001):
        counts = [rng.choice([5, 17, 17, 300, 2048, 70_000]) + rng.randint(0, 3) for _ in range(size)]
        stats = TokenStats.from_counts(counts, 0, encoding="o200k_base", limit=65_536, estimated=False)
        ordered = sorted(counts)
        assert (stats.min, stats.max, stats.examples, stats.total) == (ordered[0], ordered[-1], size, sum(counts))
        assert stats.median == round(statistics.median(counts), 1)
        assert stats.mean == round(statistics.fmean(counts), 1)
        assert stats.p95 == round(statistics.quantiles(counts, n=20, method="inclusive")[-1], 1) if size > 1 else True
        assert stats.over_limit == sum(c > 65_536 for c in counts)
        assert stats.billed == sum(min(c, 65_536) for c in counts)


_TEXT = st.lists(
    st.characters(codec="utf-8") | st.sampled_from([" ", "\n", "\t", "\r\n", "'s", "'LL", "123", "é", "😀"]),
    max_size=300,
).map("".join)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-3.5-turbo"])
@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=_TEXT | st.builds(lambda a, b, n: a + " " * n + b, _TEXT, _TEXT, st.integers(0, 3000)))
def test_counting_in_pieces_matches_the_encoding(model: str, text: str) -> None:
    """The way strings too long for tiktoken are counted gives tiktoken's own count, on any text."""
    counter = counter_for(model)
    assert counter._text_in_pieces(text) == len(counter.encoding.encode_ordinary(text))


def tiktoken_counter(model: str) -> TokenCounter:
    """A counter that counts with tiktoken (the reference, and the fallback of the fast counter)."""
    counter = counter_for(model)
    counter._fast = None
    return counter


@pytest.mark.parametrize("make", [counter_for, tiktoken_counter], ids=["fast", "tiktoken"])
def test_a_million_spaces_are_counted_not_a_panic(make: Any) -> None:
    counter = make("gpt-4o-mini")
    with pytest.raises(BaseException, match="StackOverflow"):  # what tiktoken does with them itself
        counter.encoding.encode_ordinary(" " * 1_024_000)
    # 512,000 spaces tiktoken can count; twice as many (4,000 tokens of 128 spaces each, twice) it cannot
    assert counter.text(" " * 1_024_000) == 2 * len(counter.encoding.encode_ordinary(" " * 512_000))
    messages = [{"role": "user", "content": " " * 1_024_000}, {"role": "assistant", "content": "ok"}]
    assert ftdata.count_tokens(messages, model="gpt-4o-mini") == counter.chat(messages).total > 8000


_WORDY = st.lists(
    st.sampled_from(
        ["word", " ", "  ", "Straße", "naïve", "e\u0301", "123", "4", "½", "'s", "!", "\n", "日本語", "😀", "x"]
    ),
    max_size=400,
).map("".join)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-3.5-turbo"])
@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=_TEXT | _WORDY)
def test_counting_long_strings_in_chunks_matches_the_encoding(model: str, text: str) -> None:
    """Cut into chunks of a few characters (as a long string is, at 50,000), the count stays tiktoken's."""
    import ftdata.tokens

    counter = tiktoken_counter(model)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ftdata.tokens, "LONG_TEXT_CHARS", 8)
        patch.setattr(ftdata.tokens, "CHUNK_CHARS", 3)
        assert counter.text(text) == len(counter.encoding.encode_ordinary(text))


def test_a_long_string_is_counted_in_chunks_not_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = tiktoken_counter("gpt-4o-mini")
    text = "many words in a long answer " * 20_000  # 560,000 characters
    seen: list[int] = []
    real = counter._encode
    monkeypatch.setattr(counter, "_encode", lambda chunk: (seen.append(len(chunk)), real(chunk))[1])
    assert counter.text(text) == len(counter.encoding.encode_ordinary(text))
    assert len(seen) >= 5 and max(seen) <= 100_000


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Hello", "not a string"),
        ({"messages": [{"role": "user", "content": "Hi"}]}, 'pass record["messages"]'),
        ({"role": "user", "content": "Hi"}, "wrap it in a list"),
        (["Hello"], "each an object"),
    ],
)
def test_count_tokens_refuses_what_is_not_a_list_of_messages(value: Any, hint: str) -> None:
    with pytest.raises(TypeError, match=re.escape(hint)):
        ftdata.count_tokens(value, model="gpt-4o-mini")
