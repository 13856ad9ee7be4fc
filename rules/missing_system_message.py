"""Example has no system message.

What it does
------------
Notes a chat example without a ``system`` message (reported as advice; ignore it if your prompts have
none).

Why is this bad?
----------------
The fine-tuned model is used with the prompts it was trained on. If production calls send a system
prompt, train with the same one in every example: examples without it teach a different situation.
The OpenAI cookbook's checker counts these for the same reason.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import iter_messages, messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT201"
NAME = "missing-system-message"
GROUP = "content"
SEVERITY = "info"
FORMATS = ("chat",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if messages_of(example.data) and not any(m.get("role") == "system" for _, m in iter_messages(example.data)):
        yield Finding("example has no system message; if you will call the model with a system prompt, "
                      "train with it too", path="$.messages")
