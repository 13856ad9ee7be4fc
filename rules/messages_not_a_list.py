"""Messages is not a list.

What it does
------------
Flags a ``messages`` value that is not a JSON array (an object, a string, ``null``...).

Why is this bad?
----------------
The service rejects the file. A common cause is a single message object not wrapped in a list, or a
conversation serialised to a string twice.

Example
-------
```jsonl
{"messages": {"role": "user", "content": "Hi"}}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import CONVERSATION_FORMATS
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT102"
NAME = "messages-not-a-list"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = CONVERSATION_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    messages = example.data.get("messages", [])
    if not isinstance(messages, list):
        hint = " (a JSON string: was the list encoded twice?)" if isinstance(messages, str) else ""
        yield Finding(
            f"'messages' is {describe_json_type(messages)}, not a list of message objects{hint}", path="$.messages"
        )
