r"""Malformed DPO preference pair.

What it does
------------
Flags a DPO example that lacks ``input``, ``preferred_output`` or ``non_preferred_output``; whose
``input`` is not an object with a non-empty ``messages`` list; whose input ends with an assistant message;
or whose outputs are not each a non-empty list of assistant (or tool) messages that ends with an
assistant message. On a target that takes a set number of messages in each output (``together``: exactly
one assistant message), an output with more is flagged too. An image in an output is
``image-outside-user-message``'s.

Why is this bad?
----------------
The service rejects the file ("Invalid file format. Example 1 is missing key 'input'."). DPO compares two
answers to the same prompt: the prompt must end where the answer starts, and each answer is the
assistant's (OpenAI's API reference makes each output an array of assistant messages; Azure's copy says
"including at least one assistant message", its messages in the assistant or tool role). DPO trains on
text outputs only.

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

from ftdata.formats import excerpt
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT160"
NAME = "invalid-preference-pair"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("preference",)
_OUTPUT_ROLES = ("assistant", "tool")


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
    maximum = ctx.target.limits.max_preference_output_messages.value
    for key in ("preferred_output", "non_preferred_output"):
        problem = _output_problem(data.get(key), key in data, maximum, ctx.target.profile.name)
        if problem:
            yield Finding(f"'{key}' {problem}", path=f"$.{key}" if key in data else "$")


def _output_problem(output: Any, present: bool, maximum: int | None, target: str) -> str | None:
    shape = (
        "a list of one assistant message" if maximum == 1 else "a list of messages ending with the assistant's answer"
    )
    if not present:
        return f"is missing: it must be {shape}"
    if not isinstance(output, list):
        return f"is {describe_json_type(output)}; it must be {shape}"
    if not output:
        return f"is empty; it must be {shape}"
    if maximum is not None and len(output) > maximum:
        allowed = "exactly one assistant message" if maximum == 1 else f"at most {maximum} messages"
        return f"has {len(output)} messages; {target} takes {allowed} in each output"
    for index, message in enumerate(output):
        if not isinstance(message, dict):
            return f"holds {describe_json_type(message)} at position {index}; each entry must be a message object"
        role = message.get("role")
        if role not in _OUTPUT_ROLES:
            return f"has a message in the role {excerpt(role)} at position {index}; outputs hold assistant messages (and tool results)"
    if output[-1].get("role") != "assistant":
        return "must end with an assistant message: the answer being compared"
    return None
