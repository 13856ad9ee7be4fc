"""Malformed prompt/completion example.

What it does
------------
Flags a legacy base-model example (for babbage-002 and davinci-002) whose ``prompt`` or ``completion`` is
missing, not a string, or empty.

Why is this bad?
----------------
The service rejects the file; an empty completion teaches nothing.

Example
-------
```jsonl
{"prompt": "Translate to French: good morning ->", "completion": ""}
```

Use instead
-----------
```jsonl
{"prompt": "Translate to French: good morning ->", "completion": " bonjour"}
```
"""

from collections.abc import Iterator

from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT180"
NAME = "invalid-prompt-completion"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("prompt-completion",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    # a local trainer (TRL) also takes both as lists of messages: conversational prompt/completion
    conversational = ctx.target.profile.local and all(
        isinstance(example.data.get(key), list) and example.data[key] for key in ("prompt", "completion")
    )
    for key in ("prompt", "completion"):
        value = example.data.get(key)
        if key not in example.data:
            yield Finding(f"example is missing '{key}'", path="$")
        elif conversational:
            continue
        elif not isinstance(value, str):
            yield Finding(f"'{key}' is {describe_json_type(value)}; it must be a string", path=f"$.{key}")
        elif not value.strip():
            yield Finding(f"'{key}' is empty", path=f"$.{key}")
