"""The shapes of fine-tuning examples and how a file's format is recognised.

A file's format is decided by its first record that parses to an object: ``messages`` means chat (SFT),
``input`` with ``preferred_output``/``non_preferred_output`` means a DPO preference pair, ``prompt`` or
``completion`` means the legacy base-model format. Anything else is taken as chat (the commonest format),
so that its rules can say what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

Format = Literal["chat", "preference", "prompt-completion"]
FORMATS: tuple[Format, ...] = ("chat", "preference", "prompt-completion")

MIN_EXAMPLES = 10  # the service refuses a training file with fewer examples
ROLES = ("system", "user", "assistant", "tool", "function")
CHAT_TOP_LEVEL_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight"})


def detect_format(record: dict[str, Any]) -> Format:
    if "messages" in record:
        return "chat"
    if "input" in record and ("preferred_output" in record or "non_preferred_output" in record):
        return "preference"
    if "prompt" in record or "completion" in record:
        return "prompt-completion"
    return "chat"


def messages_of(record: dict[str, Any]) -> list[Any] | None:
    """The record's message list, or None when it has none usable (rules report why)."""
    messages = record.get("messages")
    return messages if isinstance(messages, list) else None


def path_of(index: int, key: str | None = None) -> str:
    """JSON path of message ``index`` (and one of its keys): ``$.messages[2].content``."""
    return f"$.messages[{index}]" + (f".{key}" if key else "")


def excerpt(value: Any, limit: int = 24) -> str:
    """A short, truncated quote of a value for messages; never the whole (possibly private) content."""
    if not isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def iter_messages(record: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, message) for each message that is an object; other entries are skipped (rules flag them)."""
    for index, message in enumerate(messages_of(record) or ()):
        if isinstance(message, dict):
            yield index, message
