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

from ftdata.formats import messages_of, path_of
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT104"
NAME = "message-not-an-object"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("chat",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for index, message in enumerate(messages_of(example.data) or ()):
        if not isinstance(message, dict):
            yield Finding(
                f"message is {describe_json_type(message)}, not an object with 'role' and 'content'",
                path=path_of(index),
            )
