"""Fingerprints of examples: 64-bit hashes of their normalised content, for the duplicate and leakage rules.

An example is reduced to the sequence of its messages — each message its role, its content's text (the
texts of content parts joined; other parts, such as images, as canonical JSON), its name, and its tool calls'
names and arguments (JSON arguments re-dumped with sorted keys) — with every text case folded
(``str.casefold``) and all its white space removed, so that two examples that differ only in case or white
space have the same fingerprint. Ids (``tool_call_id``, a call's ``id``) are left out, and a weight of 1 is
as none; the example's ``tools`` (and legacy ``functions``) are part of it, as canonical JSON.

Of that sequence a :class:`Fingerprint` keeps a few 64-bit hashes (ints), never the text. They are Python's
own hashes (SipHash of each message's bytes, combined by tuple hashing): several times cheaper than a
blake2b digest per message, which cost a third of a large file's checking time, and the same in every
worker of a run, since workers are forked and so share the run's hash key. They differ between runs, which
is fine: facts are compared within a run and never kept.

- ``exact``: the whole example;
- ``without_system``: the example without its system (and developer) messages (None for prompt/completion);
- ``prompt``: what the model is given — everything before the last assistant message (chat), the input
  (preference pairs), the messages (RFT), the prompt (prompt/completion); None when there is none;
- ``question`` and ``answer``: what must not have two answers — the prompt and the last assistant message
  (chat), the messages and the grader data (the other keys, RFT), the prompt and the completion; for a
  preference pair, the prompt with the two outputs as an unordered pair, and which of them is preferred
  (0 or 1), so that two pairs conflict only when one reverses the other (pairs built from a ranking share a
  prompt and a preferred output legitimately). None when the example has no answer to compare (no
  assistant message, a last assistant message of weight 0, a pair with two identical outputs).

Each example is fingerprinted once, however many rules ask (the last one is kept).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from ftdata.ruleapi import Example

MASK = (1 << 64) - 1  # the low 64 bits: one hash of a value that packs two

# ASCII letters to lower case, and the white space str.split() knows in ASCII (with \x1c-\x1f) deleted: one
# C pass over the bytes. The deleted separators \x1c-\x1f can then mark the structure unambiguously.
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_SPACES = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
# the rest of str.split()'s white space, in UTF-8: NEL, no-break space, ogham, en quad..hair space, line and
# paragraph separators, narrow no-break, medium mathematical and ideographic spaces
_UNICODE_SPACE = re.compile(rb"\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80")
_ROLES = {role: role.encode() for role in ("system", "developer", "user", "assistant", "tool", "function")}
_SYSTEM_ROLES = frozenset({"system", "developer"})


ASCII_ENDS = 256  # characters: a text whose first (or last) ones are all ASCII has them keyed as ASCII


def text_key(text: str) -> bytes:
    """A text as compared: case folded, with all white space removed, in UTF-8."""
    if text.isascii():
        return text.encode().translate(_LOWER, _SPACES)
    # Folding case and removing white space go character by character (str.casefold has no context rule),
    # so a text's key is that of its ASCII head, then of its middle, then of its ASCII tail. casefold() costs
    # several times the one C pass over ASCII bytes, and most texts beyond ASCII are ASCII but for a name, a
    # quote or a sentence: only the middle, from the first character beyond ASCII to the last, is folded.
    start, end = 0, len(text)
    if end > ASCII_ENDS:
        if text[:ASCII_ENDS].isascii():
            start = _first_beyond_ascii(text)
        if text[-ASCII_ENDS:].isascii():
            end -= _first_beyond_ascii(text[::-1])
    if start == 0 and end == len(text):
        return _folded_key(text)
    return b"".join(
        (
            text[:start].encode().translate(_LOWER, _SPACES),
            _folded_key(text[start:end]),
            text[end:].encode().translate(_LOWER, _SPACES),
        )
    )


def _first_beyond_ascii(text: str) -> int:
    """Where the first character beyond ASCII is in a text that has one (encoding to ASCII stops there)."""
    try:
        text.encode("ascii")
    except UnicodeEncodeError as error:
        return error.start
    return len(text)


def _folded_key(text: str) -> bytes:
    """:func:`text_key` of any text, by str.casefold."""
    data = text.casefold().encode("utf-8", "surrogatepass").translate(None, _SPACES)
    # each white space character beyond ASCII starts with one of these bytes in UTF-8 (see _UNICODE_SPACE):
    # four searches for a byte are cheaper than the pattern over a text that has none
    if b"\xc2" in data or b"\xe1" in data or b"\xe2" in data or b"\xe3" in data:
        return _UNICODE_SPACE.sub(b"", data)
    return data


def _bytes_key(data: bytes) -> bytes:
    """UTF-8 text (such as canonical JSON) as compared, like :func:`text_key`."""
    if data.isascii():
        return data.translate(_LOWER, _SPACES)
    return text_key(data.decode("utf-8", "surrogatepass"))


def value_key(value: Any) -> bytes:
    """Any value as canonical JSON (keys sorted), exactly: for images, tools and other data."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: too deep for orjson, keys that are not strings, other types
        return b"".join(_canonical_parts(value))


def _canonical_parts(value: Any) -> Iterator[bytes]:
    """The value as byte strings, keys sorted; a loop, so any depth will do."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Mark):
            yield item.mark
        elif isinstance(item, dict):
            yield b"{"
            stack.append(_Mark(b"}"))
            for key, entry in sorted(item.items(), key=lambda pair: repr(pair[0]), reverse=True):
                stack.extend((entry, _Mark(repr(key).encode() + b":")))
        elif isinstance(item, list):
            yield b"["
            stack.append(_Mark(b"]"))
            stack.extend(reversed(item))
        else:
            yield repr(item).encode() + b","  # repr escapes lone surrogates


def whole_example_hash(record: Any) -> int:
    """The record's hash as validation-example-in-training (FT405) compares examples: exactly, keys sorted
    (FT405 collects it; validation-prompt-in-training leaves the copies it finds to FT405)."""
    digest = hashlib.blake2b(digest_size=8)
    try:
        digest.update(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        for part in _canonical_parts(record):
            digest.update(part)
    return int.from_bytes(digest.digest(), "big")


class _Mark:
    __slots__ = ("mark",)

    def __init__(self, mark: bytes) -> None:
        self.mark = mark


def content_key(content: Any) -> bytes:
    """A message's content as compared: its text, or its parts' texts joined (other parts as canonical JSON)."""
    if isinstance(content, str):
        return text_key(content)
    if content is None:
        return b""
    if isinstance(content, list):
        pieces = []
        for part in content:
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(text, str) and part.get("type", "text") in ("text", "input_text", "output_text"):
                pieces.append(text_key(text))
            else:  # an image, audio, a file: exactly as given (URLs and base64 data are case-sensitive)
                pieces.append(b"\x1d" + value_key(part) + b"\x1d")
        return b"".join(pieces)
    return b"\x1d" + value_key(content)


def _call_key(call: Any) -> bytes:
    """A tool call (or legacy function_call) as compared: its function's name and arguments, not its id."""
    function = call.get("function", call) if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return _bytes_key(value_key(call))
    name = function.get("name")
    arguments = function.get("arguments")
    key = (text_key(name) if isinstance(name, str) else _bytes_key(value_key(name))) + b"\x1f"
    if isinstance(arguments, str):
        try:
            return key + _bytes_key(value_key(orjson.loads(arguments)))
        except orjson.JSONDecodeError:
            return key + text_key(arguments)
    return key + _bytes_key(value_key(arguments))


def message_key(message: Any) -> bytes:
    """One message as compared: role, content, name, tool calls and a weight other than 1 (not ids)."""
    if not isinstance(message, dict):
        return b"\x1c" + value_key(message)
    role = message.get("role")
    content = message.get("content")
    role_key = _ROLES.get(role) if isinstance(role, str) else None
    if role_key is None:
        role_key = role.encode("utf-8", "surrogatepass") if isinstance(role, str) else b"\x1c" + value_key(role)
    if len(message) == 2 and isinstance(content, str):  # the plain message: the common case, quickly
        return role_key + b"\x1f" + text_key(content)
    parts = [role_key, content_key(content)]
    name = message.get("name")
    if name is not None:
        parts.append(b"n" + (text_key(name) if isinstance(name, str) else value_key(name)))
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        parts.extend(b"c" + _call_key(call) for call in calls)
    elif calls is not None:
        parts.append(b"c" + value_key(calls))
    function_call = message.get("function_call")
    if function_call is not None:
        parts.append(b"f" + _call_key(function_call))
    weight = message.get("weight", 1)
    if weight != 1:  # a message not trained on (weight 0) is not the same as one trained on
        parts.append(b"w" + value_key(weight))
    return b"\x1f".join(parts)


class Fingerprint(NamedTuple):
    """The hashes of one example (see the module's docstring): ints of 64 bits."""

    exact: int
    without_system: int | None
    prompt: int | None
    question: int | None
    answer: int | None


_last: tuple[Example, Fingerprint] | None = None  # the last example's, shared by the rules


def fingerprint(example: Example) -> Fingerprint:
    """The example's fingerprint, computed once per example."""
    global _last
    if _last is not None and _last[0] is example:
        return _last[1]
    found = _plain_chat(example.data["messages"]) if example.plain else fingerprint_of(example.data, example.format)
    _last = (example, found)
    return found


def fingerprint_of(record: dict[str, Any], file_format: str) -> Fingerprint:
    """The fingerprint of a record of a file of ``file_format``."""
    if file_format == "prompt-completion":
        return _prompt_completion(record)
    if file_format == "preference":
        return _preference(record)
    return _conversation(record, rft=file_format == "rft")


def _tools_head(source: dict[str, Any]) -> int:
    """What the examples' messages are prefixed with: a hash of their tools and functions (0: none)."""
    tools = source.get("tools")
    functions = source.get("functions")
    if tools is None and functions is None:
        return 0
    return hash(value_key([tools, functions]))


def _sequence(messages: Any) -> tuple[list[int], list[str | None]]:
    """The hash and role of each message of a list (a value that is no list: one hash of it)."""
    if not isinstance(messages, list):
        return [hash(b"\x1c" + value_key(messages))], [None]
    hashes = []
    roles: list[str | None] = []
    roles_of = _ROLES
    for message in messages:
        if type(message) is dict:
            role = message.get("role")
            content = message.get("content")
            if len(message) == 2 and type(content) is str and type(role) is str:  # as message_key, quickly
                key = (roles_of.get(role) or role.encode("utf-8", "surrogatepass")) + b"\x1f" + text_key(content)
            else:
                key = message_key(message)
            hashes.append(hash(key))
            roles.append(role if type(role) is str else None)
        else:
            hashes.append(hash(message_key(message)))
            roles.append(None)
    return hashes, roles


def _plain_chat(messages: list[dict[str, str]]) -> Fingerprint:
    """:func:`_conversation`'s fingerprint of a plain chat example (ftdata.formats.is_plain_chat), the common
    case, the short way: no tools, every message a known role and a string, the last an assistant's."""
    roles = _ROLES
    hashes = [hash(roles[message["role"]] + b"\x1f" + text_key(message["content"])) for message in messages]
    whole = tuple(hashes)
    plain = tuple(digest for digest, message in zip(hashes, messages, strict=True) if message["role"] != "system")
    prompt = hash((b"P", 0, whole[:-1])) & MASK
    return Fingerprint(hash((b"E", 0, whole)) & MASK, hash((b"S", 0, plain)) & MASK, prompt, prompt, hashes[-1] & MASK)


def _conversation(record: dict[str, Any], *, rft: bool) -> Fingerprint:
    head = _tools_head(record)
    messages = record.get("messages")
    hashes, roles = _sequence(messages)
    whole = tuple(hashes)
    if _SYSTEM_ROLES.isdisjoint(roles):
        plain = whole
    else:
        plain = tuple(h for h, role in zip(hashes, roles, strict=True) if role not in _SYSTEM_ROLES)
    if rft:  # the messages are the prompt; the other keys are the grader's data: the answer
        extra = {key: value for key, value in record.items() if key not in ("messages", "tools", "functions")}
        tail = hash(b"\x1c" + _bytes_key(value_key(extra)))
        given = hash((b"P", head, whole)) & MASK
        return Fingerprint(
            exact=hash((b"E", head, whole, tail)) & MASK,
            without_system=hash((b"S", head, plain, tail)) & MASK,
            prompt=given,
            question=given,
            answer=tail & MASK,
        )
    last = len(roles) - 1
    while last >= 0 and roles[last] != "assistant":
        last -= 1
    prompt: int | None = None
    answer: int | None = None
    if last >= 0:
        prompt = hash((b"P", head, whole[:last])) & MASK
        message = messages[last] if isinstance(messages, list) else None
        if not (isinstance(message, dict) and message.get("weight") == 0):  # an answer not trained on is none
            answer = hashes[last] & MASK
    return Fingerprint(
        exact=hash((b"E", head, whole)) & MASK,
        without_system=hash((b"S", head, plain)) & MASK,
        prompt=prompt,
        question=prompt,
        answer=answer,
    )


def _preference(record: dict[str, Any]) -> Fingerprint:
    source = record.get("input")
    if isinstance(source, dict):
        head = _tools_head(source)
        hashes, roles = _sequence(source.get("messages"))
    else:  # broken (other rules say so), but still compared
        head = 0
        hashes, roles = [hash(b"\x1c" + value_key(source))], [None]
    prompt = hash((b"P", head, tuple(hashes)))
    plain = hash((b"Q", head, tuple(h for h, role in zip(hashes, roles, strict=True) if role not in _SYSTEM_ROLES)))
    preferred = hash(tuple(_sequence(record.get("preferred_output"))[0]))
    other = hash(tuple(_sequence(record.get("non_preferred_output"))[0]))
    low, high = sorted((preferred, other))
    return Fingerprint(
        exact=hash((b"E", prompt, preferred, other)) & MASK,
        without_system=hash((b"S", plain, preferred, other)) & MASK,
        prompt=prompt & MASK,
        question=hash((b"Q", prompt, low, high)) & MASK,
        answer=None if preferred == other else int(preferred > other),
    )


def _prompt_completion(record: dict[str, Any]) -> Fingerprint:
    prompt_value = record.get("prompt")
    completion_value = record.get("completion")
    prompt = hash(
        b"p" + (text_key(prompt_value) if isinstance(prompt_value, str) else b"\x1c" + value_key(prompt_value))
    )
    completion = hash(
        b"c"
        + (text_key(completion_value) if isinstance(completion_value, str) else b"\x1c" + value_key(completion_value))
    )
    return Fingerprint(
        exact=hash((b"E", prompt, completion)) & MASK,
        without_system=None,
        prompt=prompt & MASK,
        question=prompt & MASK,
        answer=completion & MASK,
    )
