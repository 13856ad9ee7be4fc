"""Message has no role.

What it does
------------
Flags a message without a ``role`` key.

Why is this bad?
----------------
The service rejects the file ("Example 100, message 2 Discriminator 'role' is missing in value"): without
a role it cannot tell prompt from answer.

Example
-------
```jsonl
{"messages": [{"content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
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

CODE = "FT105"
NAME = "missing-role"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, message in iter_messages(example.data, example.format):
        if "role" not in message:
            yield Finding("message has no 'role'; set it to system, user, assistant or tool", path=path)
