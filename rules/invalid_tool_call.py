r"""Malformed tool call.

What it does
------------
Flags an assistant ``tool_calls`` value that is not a list, calls on a message that is not the
assistant's, and calls that are not ``{"id": "...", "type": "function", "function": {"name": "...",
"arguments": "..."}}`` — ``arguments`` must be a string (holding JSON), not an object; and a legacy
``function_call`` that is not ``{"name": "...", "arguments": "..."}``.

Why is this bad?
----------------
The service rejects the file. Writing ``arguments`` as an object instead of a JSON string is the
commonest slip when tool calls are built by hand.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": {"city": "Paris"}}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
```
"""

from collections.abc import Iterator
from typing import Any

from ftdata.formats import MESSAGE_FORMATS, iter_messages
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT130"
NAME = "invalid-tool-call"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, message in iter_messages(example.data, example.format):
        if "function_call" in message:
            problem = _function_problem(message["function_call"], "function_call")
            if problem:
                yield Finding(problem, path=f"{path}.function_call")
        if "tool_calls" not in message:
            continue
        calls = message["tool_calls"]
        if message.get("role") != "assistant":
            yield Finding("only assistant messages may carry tool_calls", path=f"{path}.tool_calls")
        if not isinstance(calls, list):
            yield Finding(
                f"'tool_calls' is {describe_json_type(calls)}; it must be a list of calls", path=f"{path}.tool_calls"
            )
            continue
        for number, call in enumerate(calls):
            problem = _call_problem(call)
            if problem:
                yield Finding(problem, path=f"{path}.tool_calls[{number}]")


def _call_problem(call: Any) -> str | None:
    if not isinstance(call, dict):
        return f"tool call is {describe_json_type(call)}; it must be an object"
    if not isinstance(call.get("id"), str) or not call["id"]:
        return "tool call needs a string 'id' (the tool message answers it with tool_call_id)"
    if call.get("type") != "function":
        return 'tool call needs "type": "function"'
    return _function_problem(call.get("function"), "tool call's function")


def _function_problem(function: Any, what: str) -> str | None:
    if not isinstance(function, dict):
        return f'{what} must be {{"name": ..., "arguments": ...}}, not {describe_json_type(function)}'
    if not isinstance(function.get("name"), str) or not function["name"]:
        return f"{what} needs a string 'name'"
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        return (
            f"'arguments' is {describe_json_type(arguments)}; it must be a string holding a JSON object "
            "(serialise it with json.dumps)"
        )
    return None
