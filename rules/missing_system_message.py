"""Some examples have a system message, others do not.

What it does
------------
Flags the examples without a system message in a file where others have one. Each is flagged at
its line when they are fewer than the examples with one; when they are as many or more — a few examples
carry a system prompt the rest does not — it says so once for the file. A ``developer`` message counts as
a system message (it stands for one in RFT), and a file where no example has one is fine. Chat,
preference (the input's messages) and RFT files.

Why is this bad?
----------------
The fine-tuned model is used with the prompt it was trained on, and OpenAI's guide recommends including
the instructions that worked best "in every training example". A file that mixes examples with and
without the system prompt teaches two situations, and usually means some examples were exported without
it. (The OpenAI cookbook's checker counts examples without a system message for this reason.)

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "You're welcome"}]}
{"messages": [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "You're welcome"}]}
{"messages": [{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext
from ftdata.shapes import has_messages, system_prompt

CODE = "FT201"
NAME = "missing-system-message"
GROUP = "content"
SEVERITY = "warning"
FORMATS = MESSAGE_FORMATS

LACKS, NO_MESSAGES = 0, 1


def collect(example: Example, ctx: RuleContext) -> int | None:
    """LACKS (no system message) or NO_MESSAGES (no usable messages at all); None (not kept): has one."""
    if system_prompt(example) is not None:
        return None
    return LACKS if has_messages(example.data, example.format) else NO_MESSAGES


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    without = [line for line, kind in collected if kind == LACKS]
    with_system = dataset.examples - len(collected)
    if not with_system or not without:
        return
    if len(without) < with_system:
        for line in without:
            yield Finding(
                f"example has no system message, but {with_system:,} of the file's {dataset.examples:,} "
                "examples do; train with the system prompt you will use",
                path="$.input.messages" if dataset.format == "preference" else "$.messages",
                line=line,
            )
        return
    has = "has" if with_system == 1 else "have"
    yield Finding(
        f"only {with_system:,} of the file's {dataset.examples:,} examples {has} a system message, "
        f"{len(without):,} have none (the first at line {without[0]}): give every example the system prompt "
        "you will use, or none"
    )
