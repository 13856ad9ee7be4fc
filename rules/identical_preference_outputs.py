"""Preferred and non-preferred outputs are the same.

What it does
------------
Flags a DPO pair whose two answers have the same content (ignoring surrounding white space).

Why is this bad?
----------------
DPO learns from the difference between the answers; a pair with none teaches nothing and still costs
tokens. It often means the pair was built from one answer by mistake.

Example
-------
```jsonl
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "Hello! "}]}
```

Use instead
-----------
```jsonl
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "What do you want?"}]}
```
"""

from collections.abc import Iterator
from typing import Any

from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT203"
NAME = "identical-preference-outputs"
GROUP = "content"
SEVERITY = "warning"
FORMATS = ("preference",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    preferred = _text(example.data.get("preferred_output"))
    if preferred is not None and preferred == _text(example.data.get("non_preferred_output")):
        yield Finding(
            "the preferred and non-preferred outputs are the same: the pair teaches nothing",
            path="$.non_preferred_output",
        )


def _text(output: Any) -> str | None:
    if isinstance(output, list) and len(output) == 1 and isinstance(output[0], dict):
        content = output[0].get("content")
        return content.strip() if isinstance(content, str) else None
    return None
