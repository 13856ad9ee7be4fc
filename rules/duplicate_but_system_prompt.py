"""Examples differ only in their system prompt.

What it does
------------
Notes an example that is the same conversation as an earlier one of the file — the same user and
assistant messages, tools and tool calls, compared as ``duplicate-example`` compares them — with a different
system (or developer) message, or none. It is reported at every such variant after the first, naming the
first line and how many variants there are; an exact copy of a variant is left to ``duplicate-example``.

Why is this bad?
----------------
The same answers under different system prompts teach the model that the system prompt does not change
what it says, and the conversation is trained on once per variant. That is what system-prompt augmentation
is for (robustness to rewordings of one instruction), so it is a note, not a warning: check that the
variants are meant, and that answers that should depend on the system prompt do.

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "system", "content": "Answer in one line."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "system", "content": "Answer in one line."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "A tune-up is $65."}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.formats import MESSAGE_FORMATS
from ftdata.qualityfacts import EXACT, WITHOUT_SYSTEM, one_value_each, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT512"
NAME = "duplicate-but-system-prompt"
GROUP = "quality"
SEVERITY = "info"
FORMATS = MESSAGE_FORMATS


collect = qualityfacts.collect  # the hash without system messages (WITHOUT_SYSTEM) and the exact one


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    conversations, exacts = collected.column(WITHOUT_SYSTEM), collected.column(EXACT)
    if one_value_each(conversations, exacts):
        return  # every conversation has one exact hash: no variants, the usual case
    first: dict[int, int] = {}  # conversation -> its first exact hash (ints only: a large file's peak memory)
    variants: dict[int, set[int]] = {}  # conversation -> its exact hashes, for those with more than one
    for _, conversation, exact in present(collected, WITHOUT_SYSTEM, EXACT):
        seen = first.setdefault(conversation, exact)
        if seen != exact:
            variants.setdefault(conversation, {seen}).add(exact)
    if not variants:
        return
    first_line: dict[int, int] = {}  # conversation with variants -> its first line
    reported: set[int] = set()  # exact hashes already reported (their copies are duplicate-example's)
    for line, conversation, exact in present(collected, WITHOUT_SYSTEM, EXACT):
        found = variants.get(conversation)
        if found is None:
            continue
        start = first_line.setdefault(conversation, line)
        if exact == first[conversation] or exact in reported:
            continue
        reported.add(exact)
        yield Finding(
            f"same conversation as line {start} with another system prompt ({len(found)} "
            "system-prompt variants in this file): the answers do not depend on it, so the model learns to "
            "ignore it; keep one unless that is the aim",
            line=line,
        )
