"""The answer an example teaches, as the balance and consistency rules and ``ftdata stats`` look at it.

An example's *answer* is what the model is trained to say last: the content of the last assistant message
(chat, when its weight is not 0; its text parts joined), a preference pair's preferred output, a legacy
completion. RFT examples have no answer (the grader judges what the model writes). The *prompt* is the
text of the user messages before it.
"""

from __future__ import annotations

from typing import Any

from ftdata.ruleapi import Example

_TEXT_PARTS = ("text", "input_text", "output_text")


def text_of(content: Any) -> str | None:
    """A message content's text: the string, or its text parts joined by new lines; None for no text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str) and part.get("type", "text") in _TEXT_PARTS
        ]
        return "\n".join(texts) if texts else None
    return None


def _last_assistant(messages: Any) -> dict[str, Any] | None:
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "assistant":
            return message
    return None


def answer_message(data: dict[str, Any], file_format: str) -> dict[str, Any] | None:
    """The message whose content is the example's answer (chat: the last assistant message, trained on;
    preference: the preferred output's last assistant message); None when there is none."""
    if file_format == "chat":
        message = _last_assistant(data.get("messages"))
        return None if message is None or message.get("weight") == 0 else message
    if file_format == "preference":
        return _last_assistant(data.get("preferred_output"))
    return None


def answer_of(data: dict[str, Any], file_format: str) -> str | None:
    """The example's answer as text ("" for an answer with no text, such as one that only calls tools);
    None when the example has no answer (RFT, no assistant message, a last assistant message of weight 0)."""
    if file_format == "prompt-completion":
        completion = data.get("completion")
        return completion if isinstance(completion, str) else None
    if file_format not in ("chat", "preference"):
        return None
    message = answer_message(data, file_format)
    if message is None:
        return None
    return text_of(message.get("content")) or ""


def prompt_of(data: dict[str, Any], file_format: str) -> str | None:
    """The text of the user messages before the answer, joined by new lines (the legacy prompt); None when
    there is none."""
    if file_format == "prompt-completion":
        prompt = data.get("prompt")
        return prompt if isinstance(prompt, str) else None
    source = data.get("input") if file_format == "preference" else data
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list):
        return None
    end = len(messages)
    if file_format == "chat":
        answer = answer_message(data, file_format)
        end = next((i for i, message in enumerate(messages) if message is answer), end)
    texts = [
        text
        for message in messages[:end]
        if isinstance(message, dict) and message.get("role") == "user"
        for text in (text_of(message.get("content")),)
        if text
    ]
    return "\n".join(texts) if texts else None


def answer(example: Example) -> str | None:
    """:func:`answer_of` the example, once per example however many rules ask (the last one is kept)."""
    global _last
    if _last is not None and _last[0] is example:
        return _last[1]
    found = answer_of(example.data, example.format)
    _last = (example, found)
    return found


_last: tuple[Example, str | None] | None = None
