"""Messages list is empty.

What it does
------------
Flags ``"messages": []``.

Why is this bad?
----------------
An example without messages has nothing to learn from; the service rejects it.

Example
-------
```jsonl
{"messages": []}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import CONVERSATION_FORMATS
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT103"
NAME = "empty-messages"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = CONVERSATION_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if example.data.get("messages") == []:
        yield Finding("'messages' is an empty list; add the conversation's messages", path="$.messages")
