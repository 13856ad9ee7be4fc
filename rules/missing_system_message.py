"""Some examples have a system message, others do not.

What it does
------------
Flags the chat examples that lack a ``system`` message when other examples of the same file have one.
A file where no example has a system message is fine and is not flagged.

Why is this bad?
----------------
The fine-tuned model is used with the prompt it was trained on. A file that mixes examples with and
without the system prompt teaches two situations, and usually means some examples were exported without
it. (The OpenAI cookbook's checker counts examples without a system message for this reason.)

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import messages_of
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT201"
NAME = "missing-system-message"
GROUP = "content"
SEVERITY = "warning"
FORMATS = ("chat",)


def collect(example: Example, ctx: RuleContext) -> bool | None:
    """True: no system message; False: no usable messages at all; None (not kept): has one."""
    messages = messages_of(example.data)
    if not messages:
        return False
    has_system = any(isinstance(m, dict) and m.get("role") == "system" for m in messages)  # every example: no paths
    return None if has_system else True


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    without = [line for line, lacks_system in collected if lacks_system]
    with_system = dataset.examples - len(collected)
    if not with_system:
        return
    for line in without:
        yield Finding(
            f"example has no system message, but {with_system:,} of the file's {dataset.examples:,} "
            "examples do; train with the system prompt you will use",
            path="$.messages",
            line=line,
        )
