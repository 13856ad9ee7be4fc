"""Unknown key in a message.

What it does
------------
Flags a message key the service does not accept. Accepted: ``role``, ``content``, ``name``,
``tool_calls``, ``tool_call_id``, ``function_call`` and ``weight``.

Why is this bad?
----------------
The service rejects the file ("contains an extra ..."). Exports often carry ids, timestamps or scores
per message: strip them before upload.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi", "timestamp": 1700000000}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, excerpt, iter_messages, key_path
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT109"
NAME = "unknown-message-key"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    allowed = ctx.target.vocabulary.message_keys.value
    for path, message in iter_messages(example.data, example.format):
        for key in message:
            if key not in allowed:
                yield Finding(
                    f"message has key {excerpt(key)}, which the service does not accept; remove it",
                    path=key_path(path, key),
                )
