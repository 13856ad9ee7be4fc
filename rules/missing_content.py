"""Message has no content.

What it does
------------
Flags a message without ``content``, or with ``"content": null``, unless it is an assistant message that
carries ``tool_calls`` or ``function_call`` (there ``content`` may be null or absent).

Why is this bad?
----------------
The service rejects the file. An exporter that drops empty fields, or a renamed key (``text``,
``value``), is the usual cause.

Example
-------
```jsonl
{"messages": [{"role": "user", "text": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, iter_messages
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT107"
NAME = "missing-content"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, message in iter_messages(example.data, example.format):
        if message.get("content") is not None:
            continue
        if message.get("tool_calls") or message.get("function_call"):
            continue
        state = "is null" if "content" in message else "is missing"
        yield Finding(
            f"'content' {state}; every message needs content, except an assistant message with tool_calls",
            path=f"{path}.content" if "content" in message else path,
        )
