"""Example has no messages.

What it does
------------
Flags a chat example without a ``messages`` key.

Why is this bad?
----------------
The service rejects the file ("Example 3 is missing key 'messages'"). Often the key is misspelt
(``message``, ``conversation``) or the file is in another format (``prompt``/``completion`` is only for
babbage-002 and davinci-002).

Example
-------
```jsonl
{"conversation": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import CONVERSATION_FORMATS, excerpt
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT101"
NAME = "missing-messages"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = CONVERSATION_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if "messages" not in example.data:
        keys = ", ".join(excerpt(key) for key in sorted(example.data, key=str)[:5]) or "none"
        yield Finding(
            f"example has no 'messages' key (its keys: {keys}); "
            'a chat example is {"messages": [{"role": ..., "content": ...}, ...]}',
            path="$",
        )
