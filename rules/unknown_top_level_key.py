"""Unknown top-level key.

What it does
------------
Flags a key of a chat example other than ``messages``, ``tools``, ``parallel_tool_calls`` and
``functions``.

Why is this bad?
----------------
The service rejects the file ("Invalid file format. Example 1 contains an extra \\"weight\\"."). Metadata
such as ids or sources belongs in a separate file; ``weight`` belongs on an assistant message.

Example
-------
```jsonl
{"id": "conv-17", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import CHAT_TOP_LEVEL_KEYS, excerpt
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT110"
NAME = "unknown-top-level-key"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("chat",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for key in example.data:
        if key in CHAT_TOP_LEVEL_KEYS:
            continue
        hint = (
            "; 'weight' goes on an assistant message, not on the example"
            if key == "weight"
            else "; keep metadata in a separate file"
        )
        yield Finding(f"example has key {excerpt(key)}, which the service does not accept{hint}", path=f"$.{key}")
