r"""Malformed DPO preference pair.

What it does
------------
Flags a DPO example that lacks ``input``, ``preferred_output`` or ``non_preferred_output``; whose
``input`` is not an object with a non-empty ``messages`` list; whose input ends with an assistant message;
or whose outputs are not each a list of exactly one assistant message with text content (no tool calls,
no images).

Why is this bad?
----------------
The service rejects the file ("Invalid file format. Example 1 is missing key 'input'."). DPO compares two
answers to the same prompt: the prompt must end where the answer starts, and each answer is one
assistant message.

Example
-------
```jsonl
{"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}, "preferred_output": {"role": "assistant", "content": "Hello!"}, "non_preferred_output": [{"role": "user", "content": "Go away"}]}
```

Use instead
-----------
```jsonl
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "Go away"}]}
```
"""

from collections.abc import Iterator
from typing import Any

from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT160"
NAME = "invalid-preference-pair"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("preference",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    data = example.data
    source = data.get("input")
    if "input" not in data:
        yield Finding("DPO example is missing key 'input' ({\"messages\": [...]}: the prompt)", path="$")
    elif not isinstance(source, dict):
        yield Finding(f"'input' is {describe_json_type(source)}; it must be {{\"messages\": [...]}}", path="$.input")
    else:
        messages = source.get("messages")
        if not isinstance(messages, list) or not messages:
            yield Finding("'input' needs a non-empty 'messages' list (the prompt)", path="$.input.messages")
        elif isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
            yield Finding(
                "the input ends with an assistant message; it must end where the answers start",
                path=f"$.input.messages[{len(messages) - 1}]",
            )
    for key in ("preferred_output", "non_preferred_output"):
        problem = _output_problem(data.get(key), key in data)
        if problem:
            yield Finding(f"'{key}' {problem}", path=f"$.{key}" if key in data else "$")


def _output_problem(output: Any, present: bool) -> str | None:
    if not present:
        return "is missing: it must be a list of one assistant message"
    if not isinstance(output, list):
        return f"is {describe_json_type(output)}; it must be a list of one assistant message"
    if len(output) != 1:
        return f"has {len(output)} messages; it must have exactly one assistant message"
    message = output[0]
    if not isinstance(message, dict) or message.get("role") != "assistant":
        return "must be an assistant message"
    if "tool_calls" in message or "function_call" in message or not isinstance(message.get("content"), str):
        return "must be text only (a string content, no tool calls or images)"
    return None
