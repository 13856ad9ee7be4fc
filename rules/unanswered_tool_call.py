r"""Tool call left unanswered while the conversation goes on.

What it does
------------
Flags a tool call whose id no later ``tool`` message answers, when the conversation continues after
the calling message. (A call in the very last message is normal: the model learns to make it.)

Why is this bad?
----------------
The model learns that the conversation can go on without the tool's result — and answers without it.
Usually one of several parallel calls lost its result during export.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}, {"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Rome\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny in both."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}, {"id": "c2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Rome\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "tool", "tool_call_id": "c2", "content": "sunny"}, {"role": "assistant", "content": "Sunny in both."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, excerpt, message_lists
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT135"
NAME = "unanswered-tool-call"
GROUP = "structure"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for base, messages in message_lists(example.data, example.format):
        answered = {
            m["tool_call_id"]
            for m in messages
            if isinstance(m, dict) and m.get("role") == "tool" and isinstance(m.get("tool_call_id"), str)
        }
        for index, message in enumerate(messages[:-1]):  # the last message's calls are meant to be open
            calls = message.get("tool_calls") if isinstance(message, dict) else None
            for number, call in enumerate(calls if isinstance(calls, list) else ()):
                if isinstance(call, dict) and isinstance(call.get("id"), str) and call["id"] not in answered:
                    yield Finding(
                        f"tool call {excerpt(call['id'])} is never answered by a tool message, yet the "
                        "conversation goes on",
                        path=f"{base}[{index}].tool_calls[{number}]",
                    )
