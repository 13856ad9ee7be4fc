"""Tool calls inside examples: the pieces several tool rules look at, found in one place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ftdata.formats import iter_messages, message_lists, tools_of
from ftdata.ruleapi import Example


@dataclass(frozen=True, slots=True)
class Arguments:
    """A call's ``arguments`` string, parsed: its JSON value, or why it is not JSON."""

    path: str
    value: Any = None
    error: orjson.JSONDecodeError | None = None


_last: tuple[Example, list[Arguments]] | None = None  # the last example's, shared by the rules


def parsed_arguments(example: Example) -> list[Arguments]:
    """Every string ``arguments`` of the example's tool calls and function calls, parsed once per example
    (each scan makes its own Example objects, so a record changed between two runs is parsed again)."""
    global _last
    if _last is not None and _last[0] is example:
        return _last[1]
    parsed = []
    for path, text in arguments_of(example.data, example.format):
        try:
            parsed.append(Arguments(path, orjson.loads(text)))
        except orjson.JSONDecodeError as exc:
            parsed.append(Arguments(path, error=exc))
    _last = (example, parsed)
    return parsed


def arguments_of(record: dict[str, Any], file_format: str) -> Iterator[tuple[str, str]]:
    """(JSON path, arguments string) of every tool call and legacy function_call with string arguments."""
    for path, _, call in tool_calls(record, file_format):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            yield f"{path}.function.arguments", function["arguments"]
    for path, message in iter_messages(record, file_format):
        call = message.get("function_call")
        if isinstance(call, dict) and isinstance(call.get("arguments"), str):
            yield f"{path}.function_call.arguments", call["arguments"]


def called_names(record: dict[str, Any], file_format: str) -> Iterator[tuple[str, str]]:
    """(JSON path, function name) of every tool call and legacy function_call."""
    for path, _, call in tool_calls(record, file_format):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            yield f"{path}.function.name", function["name"]
    for path, message in iter_messages(record, file_format):
        call = message.get("function_call")
        if isinstance(call, dict) and isinstance(call.get("name"), str):
            yield f"{path}.function_call.name", call["name"]


def tool_calls(record: dict[str, Any], file_format: str) -> Iterator[tuple[str, int, Any]]:
    """(JSON path, index of the message, call) for every entry of every assistant ``tool_calls`` list."""
    for base, messages in message_lists(record, file_format):
        for index, message in enumerate(messages):
            if isinstance(message, dict) and isinstance(message.get("tool_calls"), list):
                for number, call in enumerate(message["tool_calls"]):
                    yield f"{base}[{index}].tool_calls[{number}]", index, call


def defined_functions(record: dict[str, Any], file_format: str) -> set[str] | None:
    """Names of the functions the example defines (``tools`` and legacy ``functions``); None if it defines none."""
    names: set[str] | None = None
    _, tools = tools_of(record, file_format)
    for entry in tools if isinstance(tools, list) else ():
        function = entry.get("function") if isinstance(entry, dict) else None
        names = names or set()
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    functions = record.get("functions")
    for entry in functions if isinstance(functions, list) else ():
        names = names or set()
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            names.add(entry["name"])
    return names


def parallel_setting(record: dict[str, Any], file_format: str) -> tuple[str, Any] | None:
    """(JSON path, value) of the example's ``parallel_tool_calls`` (in ``input`` for a DPO pair), if set."""
    holder = record.get("input") if file_format == "preference" else record
    if isinstance(holder, dict) and "parallel_tool_calls" in holder:
        prefix = "$.input" if file_format == "preference" else "$"
        return f"{prefix}.parallel_tool_calls", holder["parallel_tool_calls"]
    return None
