"""The token counter: how many tokens the service sees in an example, and how many of them it trains on.

Counting follows the recipe that reproduces the API's own ``prompt_tokens`` (OpenAI cookbook, FACTS.md §4):
every message costs 3 tokens plus the tokens of each of its string values, 1 more for a ``name``; the
conversation adds 3 for the reply priming; tool definitions add the cookbook's per-function constants.
Parts the recipe does not cover are estimated, and the count says so: images (85 tokens at low detail, else
85 + 170 per 512-pixel tile, from the image's own size when it is inline) and assistant tool calls (the
tokens of their name and arguments).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # tiktoken is imported when an encoding is built (encodings.get_encoding)
    import tiktoken
    from regex import Pattern

from ftdata.catalog import Catalog, ToolTokenConstants, load_catalog
from ftdata.encodings import fast_count, get_encoding
from ftdata.images import classify_url, image_tokens, inspect_data_url
from ftdata.ruleapi import ESTIMATED_IMAGES, ESTIMATED_TOOL_CALLS, ExampleTokens

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
DEFAULT_COUNTING_MODEL = "gpt-4o-mini"  # with no model chosen: count as today's models do (o200k_base)
CACHE_ENTRIES = 4096
# Longer strings are counted piece by piece (same count): tiktoken's pattern engine overflows its stack, and
# panics, on runs of about a million spaces; strings this long are rare enough for the slower way.
LONG_TEXT_CHARS = 100_000
CHUNK_CHARS = 50_000  # a long string is counted in chunks of about this many characters
_SAFE_CUT = re.compile(r"(?<=[^\W_]) (?=[^\W_])")  # a space between two letters or digits: pieces end there
_REPEATING_ROLES = frozenset({"system", "developer"})  # their content is usually the same in every example
_CACHED_KEYS = frozenset({"role", "name"})


class TokenCounter:
    """Counts examples with one encoding; strings that repeat (roles, names) are encoded once.

    Text is counted by the fastest exact counter there is for the encoding (``encodings.fast_count``), else
    by tiktoken, whose ``Encoding`` is then built on first use (``load``) and is the reference either way.
    """

    def __init__(
        self,
        encoding: str | tiktoken.Encoding,
        tool_constants: ToolTokenConstants,
        *,
        load: Callable[[], tiktoken.Encoding] | None = None,
        fast: Callable[[str], int] | None = None,
    ) -> None:
        self.encoding_name = encoding if isinstance(encoding, str) else encoding.name
        self._encoding = None if isinstance(encoding, str) else encoding
        self._load = load
        self.tool_constants = tool_constants
        self._fast = fast
        self._pattern: Pattern[str] | None = None
        self._cache: dict[str, int] = {}

    @property
    def encoding(self) -> tiktoken.Encoding:
        """The tiktoken encoding (built on first use: counting may never need it)."""
        if self._encoding is None:
            if self._load is None:
                raise RuntimeError(f"no way to build the {self.encoding_name} encoding was given")
            self._encoding = self._load()
        return self._encoding

    def _encode(self, text: str) -> list[int]:
        return self.encoding.encode_ordinary(text)

    def text(self, value: str) -> int:
        """Tokens of one string, exactly; a long string is counted in chunks (the same total)."""
        fast = self._fast
        if fast is not None:
            try:
                return fast(value)
            except UnicodeEncodeError:  # a lone surrogate (records given to the library): tiktoken replaces it
                pass
            except BaseException as exc:  # a Rust panic is a BaseException: tiktoken counts this one
                if not _is_panic(exc):
                    raise
        if len(value) < LONG_TEXT_CHARS:
            try:
                return len(self._encode(value))
            except BaseException as exc:  # tiktoken's Rust panics are BaseExceptions
                if not _is_panic(exc):
                    raise  # Ctrl-C, a signal, the end of the process: not ours to swallow
                return self._text_in_pieces(value)
        return self._long_text(value)

    def _long_text(self, value: str) -> int:
        """A long string's count, chunk by chunk, so its token list is never held whole. Chunks are cut
        before a space that has a letter or number on each side: the encoding's pattern always ends a piece
        there (a letter or number run stops at a space, and the next piece starts with it), and merges bytes
        only within a piece, so the chunks' counts add up to the whole string's."""
        total = 0
        start = 0
        while len(value) - start > LONG_TEXT_CHARS:
            cut = _SAFE_CUT.search(value, start + CHUNK_CHARS, start + LONG_TEXT_CHARS)
            if cut is None:
                break  # no safe cut near: the rest is counted piece by piece
            total += self._chunk(value[start : cut.start()])
            start = cut.start()
        rest = value[start:]
        # A long stretch with no safe cut (a run of spaces, say) is where tiktoken's pattern engine overflows:
        # counted piece by piece at once, without a panic on the way.
        return total + (self._text_in_pieces(rest) if len(rest) > LONG_TEXT_CHARS else self._chunk(rest))

    def _chunk(self, text: str) -> int:
        try:
            return len(self._encode(text))
        except BaseException as exc:
            if not _is_panic(exc):
                raise
            return self._text_in_pieces(text)

    def _text_in_pieces(self, value: str) -> int:
        """The same count as the encoding's own, found piece by piece: the encoding splits text into pieces
        with its pattern and merges bytes only within a piece, so counting each piece on its own is exact.
        tiktoken's pattern engine overflows its stack on very long runs (a million spaces); this one does not.
        Slow (one call per piece): only for what has no safe cut for chunks.
        """
        pattern = self._pattern
        if pattern is None:
            import regex  # tiktoken's own dependency, needed only here: not imported on every start

            pattern = self._pattern = regex.compile(self.encoding._pat_str)
        piece = self.encoding._core_bpe.encode_single_piece
        return sum(len(piece(match.group().encode("utf-8"))) for match in pattern.finditer(value))

    def _cached(self, value: str) -> int:
        """Tokens of a string that repeats across examples (roles, names, system prompts): encoded once."""
        found = self._cache.get(value)
        if found is None:
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()  # a bound, not a policy: repeated strings come straight back
            found = self._cache[value] = self.text(value)
        return found

    def plain_chat(self, messages: Sequence[Mapping[str, str]]) -> ExampleTokens:
        """``chat()`` for a plain example (``formats.is_plain_chat``): the same counts, fewer checks."""
        result = ExampleTokens()
        total = REPLY_PRIMING
        for message in messages:
            role, content = message["role"], message["content"]
            text = self._cached(content) if role == "system" else self.text(content)
            tokens = TOKENS_PER_MESSAGE + self._cached(role) + text
            trained = role == "assistant"
            result.messages.append((tokens, trained))
            total += tokens
            if trained:
                result.trained += tokens
        result.total = total
        return result

    def chat(
        self, messages: Sequence[Any], tools: Sequence[Any] | None = None, functions: Sequence[Any] | None = None
    ) -> ExampleTokens:
        """Count a chat example; tolerant of malformed parts (rules report those, the counter skips them)."""
        result = ExampleTokens()
        definitions = [t.get("function") for t in tools or () if isinstance(t, Mapping)]
        definitions += list(functions or ())
        result.prefix = self.definitions([d for d in definitions if isinstance(d, Mapping)])
        total = result.prefix
        for message in messages:
            if not isinstance(message, Mapping):
                continue
            tokens, estimated = self.message(message)
            result.estimated |= estimated
            trained = message.get("role") == "assistant" and message.get("weight", 1) != 0
            result.messages.append((tokens, trained))
            total += tokens
            if trained:
                result.trained += tokens
        result.total = total + REPLY_PRIMING
        return result

    def message(self, message: Mapping[str, Any]) -> tuple[int, int]:
        """Tokens of one message, and which parts of it were estimated (ESTIMATED_* flags)."""
        tokens = TOKENS_PER_MESSAGE
        estimated = 0
        role = message.get("role")
        repeats = isinstance(role, str) and role in _REPEATING_ROLES
        for key, value in message.items():
            if isinstance(value, str):
                cached = key in _CACHED_KEYS or (repeats and key == "content")
                tokens += self._cached(value) if cached else self.text(value)
                if key == "name":
                    tokens += TOKENS_PER_NAME
            elif key == "content" and isinstance(value, list):
                for part in value:
                    if not isinstance(part, Mapping):
                        continue
                    if isinstance(part.get("text"), str):
                        tokens += self.text(part["text"])
                    elif part.get("type") == "image_url":
                        tokens += _image_part_tokens(part.get("image_url"))
                        estimated |= ESTIMATED_IMAGES
            elif key in ("tool_calls", "function_call"):
                calls = value if isinstance(value, list) else [value]
                for call in calls:
                    function = call.get("function", call) if isinstance(call, Mapping) else None
                    if isinstance(function, Mapping):
                        for part_key in ("name", "arguments"):
                            if isinstance(function.get(part_key), str):
                                tokens += self.text(function[part_key])
                        estimated |= ESTIMATED_TOOL_CALLS
        return tokens, estimated

    def definitions(self, functions: Sequence[Mapping[str, Any]]) -> int:
        """Tokens of the tool/function definitions block (cookbook recipe)."""
        if not functions:
            return 0
        c = self.tool_constants
        tokens = 0
        for function in functions:
            tokens += c.func_init
            description = _strip_period(function.get("description"))
            tokens += self.text(f"{function.get('name', '')}:{description}")
            parameters = function.get("parameters")
            properties = parameters.get("properties") if isinstance(parameters, Mapping) else None
            if isinstance(properties, Mapping) and properties:
                tokens += c.prop_init
                for key, spec in properties.items():
                    spec = spec if isinstance(spec, Mapping) else {}
                    tokens += c.prop_key
                    enum = spec.get("enum")
                    if isinstance(enum, list):
                        tokens += c.enum_init
                        for item in enum:
                            tokens += c.enum_item + self.text(str(item))
                    kind = spec.get("type", "")
                    tokens += self.text(f"{key}:{kind}:{_strip_period(spec.get('description'))}")
        return tokens + c.func_end

    def prompt_completion(self, prompt: Any, completion: Any) -> ExampleTokens:
        """Legacy base-model example: prompt then completion; the completion is what is trained."""
        prompt_tokens = self.text(prompt) if isinstance(prompt, str) else 0
        completion_tokens = self.text(completion) if isinstance(completion, str) else 0
        return ExampleTokens(
            total=prompt_tokens + completion_tokens,
            trained=completion_tokens,
            messages=[(prompt_tokens, False), (completion_tokens, True)],
        )


def _is_panic(exc: BaseException) -> bool:
    """A panic inside tiktoken's Rust core (pyo3's PanicException, which derives from BaseException)."""
    return type(exc).__name__ == "PanicException"


def _image_part_tokens(image: Any) -> int:
    image = image if isinstance(image, Mapping) else {}
    url, detail = image.get("url"), image.get("detail")
    width = height = None
    if isinstance(url, str) and classify_url(url) == "data":
        info = inspect_data_url(url, full=False)
        width, height = info.width, info.height
    return image_tokens(detail if isinstance(detail, str) else None, width, height)


def _strip_period(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return text[:-1] if text.endswith(".") else text


def counter_for(
    model: str | None,
    *,
    catalog: Catalog | None = None,
    encodings_dir: str | None = None,
    allow_download: bool = False,
) -> TokenCounter:
    """A counter for a catalog model (or, with no model, o200k_base with the gpt-4o constants, whatever
    the target). The tiktoken encoding is built now only when no faster exact counter is there."""
    catalog = catalog if catalog is not None and model else load_catalog()
    entry = catalog.resolve(model or DEFAULT_COUNTING_MODEL)
    name = entry.encoding

    def load() -> tiktoken.Encoding:
        return get_encoding(name, encodings_dir=encodings_dir, allow_download=allow_download)

    fast = fast_count(name)
    return TokenCounter(load() if fast is None else name, catalog.tool_constants(entry), load=load, fast=fast)


def count_tokens(
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tokenizer: str | None = None,
    date: datetime.date | None = None,
) -> int:
    """Count a conversation the way the model sees it.

    For an OpenAI model, as the service counts a prompt (``usage.prompt_tokens``). For an open-weight model
    (a Hugging Face repo id such as ``Qwen/Qwen2.5-7B-Instruct``, or its files in ``tokenizer``: a folder as
    on the Hub), the length of the example as its own chat template renders it (no generation prompt) and its
    tokenizer encodes it — what a trainer feeds the model; ``date`` is the day the template sees.

    >>> count_tokens([{"role": "user", "content": "Hello"}], model="gpt-4o-mini")
    8
    """
    given: object = messages  # callers without type checking pass anything: say what is wrong
    if isinstance(given, (str, bytes)):
        raise TypeError(
            "count_tokens() takes a list of messages, not a string; for the tokens of a text alone, "
            'count [{"role": "user", "content": TEXT}] and subtract the 3 + 3 + 1 of the message layout'
        )
    if isinstance(given, Mapping):
        hint = 'pass record["messages"] (and tools=record.get("tools"))' if "messages" in given else "wrap it in a list"
        raise TypeError(f"count_tokens() takes a list of messages, not one object: {hint}")
    if not all(isinstance(message, Mapping) for message in messages):
        raise TypeError("count_tokens() takes a list of messages, each an object with a role and content")
    if model is None and tokenizer is None:
        raise TypeError("count_tokens() needs model= (e.g. 'gpt-4o-mini' or 'Qwen/Qwen2.5-7B-Instruct') or tokenizer=")
    from ftdata.openmodels import is_repo_id, rendered_counter

    if tokenizer is not None or (model is not None and is_repo_id(model)):
        counter = rendered_counter(model, tokenizer, "all", False, "string", date)
        counted = counter.chat(messages, tools=tools)
        if counted.error is not None:
            raise ValueError(f"the chat template of {counter.encoding_name} refuses these messages: {counted.error}")
        return counted.total
    return counter_for(model).chat(messages, tools=tools).total
