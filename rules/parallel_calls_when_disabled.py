r"""Several calls in one turn while parallel_tool_calls is false.

What it does
------------
Flags an assistant message with more than one tool call in an example that sets
``"parallel_tool_calls": false``.

Why is this bad?
----------------
With parallel calls off, the model is to make one call per turn; an example that makes several at once
contradicts the setting it is trained with, and teaches behaviour the API will not allow.

Example
-------
```jsonl
{"parallel_tool_calls": false, "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}, {"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Rome\"}"}}]}]}
```

Use instead
-----------
```jsonl
{"parallel_tool_calls": true, "messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}, {"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Rome\"}"}}]}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, iter_messages
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import parallel_setting

CODE = "FT139"
NAME = "parallel-calls-when-disabled"
GROUP = "structure"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    found = parallel_setting(example.data, example.format)
    if found is None or found[1] is not False:
        return
    for path, message in iter_messages(example.data, example.format):
        calls = message.get("tool_calls")
        if isinstance(calls, list) and len(calls) > 1:
            yield Finding(
                f"{len(calls)} tool calls in one turn, but parallel_tool_calls is false; "
                "make one call per turn or allow parallel calls",
                path=f"{path}.tool_calls",
            )
