"""The shapes of fine-tuning examples and how a file's format is recognised.

A file's format is decided by its first record that parses to an object:

- ``messages`` — chat (supervised fine-tuning, with optional ``tools``, images and legacy ``functions``);
  with ``--method rft`` the same shape is a reinforcement fine-tuning example (``rft``), whose other keys
  are free data for graders;
- ``input``, ``preferred_output`` or ``non_preferred_output`` — a DPO preference pair (``preference``);
- ``prompt`` / ``completion`` — the legacy base-model format (``prompt-completion``).

Anything else is taken as chat (the commonest format), so that its rules can say what is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ftdata.vocabulary import Format, Method, ModelMethod

MESSAGE_FORMATS = ("chat", "rft", "preference")  # formats whose examples hold messages
CONVERSATION_FORMATS = ("chat", "rft")  # formats whose example is one message list

# The method a format is trained with, as the catalog's model methods name it.
FORMAT_METHOD: dict[Format, ModelMethod] = {
    "chat": "sft",
    "rft": "rft",
    "preference": "dpo",
    "prompt-completion": "prompt-completion",
}
FORMAT_NAMES: dict[Format, str] = {
    "chat": "chat (supervised)",
    "rft": "reinforcement fine-tuning (RFT)",
    "preference": "DPO preference",
    "prompt-completion": "prompt/completion (legacy base models)",
}


def detect_format(record: dict[str, Any], method: Method | None = None) -> Format:
    """The format of one record (``method`` says what the user means to train, where shapes agree)."""
    if "messages" in record:
        return "rft" if method == "rft" else "chat"
    if "input" in record or "preferred_output" in record or "non_preferred_output" in record:
        return "preference"
    if "prompt" in record or "completion" in record:
        return "prompt-completion"
    if method == "rft":
        return "rft"
    return "preference" if method == "dpo" else "chat"


def messages_of(record: dict[str, Any]) -> list[Any] | None:
    """The record's message list, or None when it has none usable (rules report why)."""
    messages = record.get("messages")
    return messages if isinstance(messages, list) else None


def message_lists(record: dict[str, Any], file_format: str) -> Iterator[tuple[str, list[Any]]]:
    """(JSON path, list) of every message list in a record: the conversation, or a DPO pair's three."""
    if file_format == "preference":
        source = record.get("input")
        if isinstance(source, dict) and isinstance(source.get("messages"), list):
            yield "$.input.messages", source["messages"]
        for key in ("preferred_output", "non_preferred_output"):
            if isinstance(record.get(key), list):
                yield f"$.{key}", record[key]
    elif file_format in CONVERSATION_FORMATS and isinstance(record.get("messages"), list):
        yield "$.messages", record["messages"]


def iter_messages(record: dict[str, Any], file_format: str = "chat") -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON path, message) for each message that is an object; other entries are skipped (rules flag them)."""
    for base, messages in message_lists(record, file_format):
        for index, message in enumerate(messages):
            if isinstance(message, dict):
                yield f"{base}[{index}]", message


def tools_of(record: dict[str, Any], file_format: str) -> tuple[str, Any]:
    """(JSON path, value) of the example's ``tools`` (in ``input`` for a DPO pair)."""
    if file_format == "preference":
        source = record.get("input")
        return "$.input.tools", source.get("tools") if isinstance(source, dict) else None
    return "$.tools", record.get("tools")


# Of a value (or key) quoted in a message or path: training data is often private, and secrets planted in it
# must not come out whole: no excerpt shows 12 characters of a value in a row.
EXCERPT_CHARS = 12


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, truncated quote of a value for messages; never the whole (possibly private) content.

    Any JSON value is fine, however large or deep: only what fits in ``limit`` characters is looked at.
    """
    text = _render(value, limit + 1, 0)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(value: Any, budget: int, depth: int) -> str:
    """At least ``budget`` characters of a value's repr (or all of it), never walking further than that."""
    if isinstance(value, str):
        return repr(value[:budget])
    if not isinstance(value, (list, dict)):
        return repr(value)[:budget]
    opening, closing = "[]" if isinstance(value, list) else "{}"
    if depth >= 4 or budget <= 2:
        return opening + "…" + closing
    pairs = ((None, item) for item in value) if isinstance(value, list) else iter(value.items())
    parts: list[str] = []
    used = 1
    for key, item in pairs:
        head = "" if key is None else _render(key, budget - used, depth + 1) + ": "
        parts.append(head + _render(item, budget - used - len(head), depth + 1))
        used += len(parts[-1]) + 2
        if used >= budget:
            parts.append("…")
            break
    return opening + ", ".join(parts) + closing


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def strings_in(
    value: Any, path: str = "$", *, keys: bool = False, shown: Callable[[Any], Any] | None = None
) -> Iterator[tuple[str, str, bool]]:
    """(JSON path, string, is a key) of every string in a value, in order; a loop, not a recursion: any depth
    will do. With ``keys``, an object's string keys too, at the object's path, before its values; ``shown``
    turns a key into what the paths through it show (a masked form, say)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value, False
        elif isinstance(value, dict):
            if keys:
                for key in value:
                    if isinstance(key, str):
                        yield path, key, True
            stack.extend((key_path(path, shown(key) if shown else key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value))))


def key_path(base: str, key: Any) -> str:
    """The JSON path of a record's key: ``$.messages`` for a plain key; for any other, ``$["a short excerpt…"]``
    (escaped, so a newline, a comma or a quote in a key cannot break a report's lines, and long keys are cut)."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return f"{base}.{key}"
    text = key if isinstance(key, str) else str(key)
    short = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
    return f"{base}[{json.dumps(short, ensure_ascii=False)}]"


_PLAIN_ROLES = frozenset({"system", "user", "assistant"})


def is_plain_chat(record: dict[str, Any]) -> bool:
    """A chat example of the plainest, commonest shape: only ``messages``; each message exactly a role
    (system, user or assistant) and a string content; a user message; the assistant speaking last.

    Rules that can find nothing in such an example — when its line also holds no ``<|`` — declare
    ``PLAIN_CHAT_CLEAN = True`` and are skipped on it (a test holds them to that); this keeps the checking
    cost of a large, clean file near zero.
    """
    if len(record) != 1:
        return False
    messages = record.get("messages")
    if type(messages) is not list or not messages:
        return False
    has_user = False
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return False
        role = message.get("role")
        if type(role) is not str or role not in _PLAIN_ROLES or type(message.get("content")) is not str:
            return False
        has_user = has_user or role == "user"
    return has_user and messages[-1]["role"] == "assistant"


def size_text(count: int, *, exact: bool = False) -> str:
    """A byte count for people: '512 MiB', or with ``exact`` '612.3 MiB (642,000,000 bytes)'."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            text = f"{count / scale:,.1f} {unit}".replace(".0 ", " ")
            return f"{text} ({count:,} bytes)" if exact else text
    return f"{count:,} bytes"
