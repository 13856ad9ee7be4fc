"""Example has no assistant message.

What it does
------------
Flags a chat example with no message whose role is ``assistant``.

Why is this bad?
----------------
The model learns only from assistant messages; an example without one teaches nothing, and the service
rejects the file.

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import iter_messages, messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT112"
NAME = "missing-assistant-message"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = ("chat",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if not messages_of(example.data):
        return  # no usable messages at all: missing-messages / empty-messages say so
    if not any(message.get("role") == "assistant" for _, message in iter_messages(example.data)):
        yield Finding(
            "example has no assistant message, so there is nothing to train on; "
            'add the answer as {"role": "assistant", "content": ...}',
            path="$.messages",
        )
