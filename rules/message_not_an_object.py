"""Message is not an object.

What it does
------------
Flags an entry of ``messages`` that is not a JSON object (a string, a list, ``null``...).

Why is this bad?
----------------
Each message must be an object with a ``role`` and ``content``; the service rejects the file otherwise.

Example
-------
```jsonl
{"messages": ["Hi", {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, message_lists
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT104"
NAME = "message-not-an-object"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for base, messages in message_lists(example.data, example.format):
        for index, message in enumerate(messages):
            if isinstance(message, dict):
                continue
            yield Finding(
                f"message is {describe_json_type(message)}, not an object with 'role' and 'content'",
                path=f"{base}[{index}]",
            )
