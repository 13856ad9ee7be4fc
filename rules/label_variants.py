"""One label is written several ways.

What it does
------------
In a label data set (see ``rare-label``: mostly short label-like answers, 2 to 20 distinct labels),
finds labels written in more than one way — differing only in case, the white space, quotes, brackets or
punctuation around them, or their inner white space ("Positive", "positive.", " POSITIVE") — and flags
each example that writes its label otherwise than most of the examples with that label do, naming the
common way and its first line.

Why is this bad?
----------------
The model does not know that "Positive" and "positive." are one label: it learns both, spreads its
answers over them, and code that reads its answers must accept every variant. Variants usually come from
merged sources or hand-labelling; a classifier's answers should be written one way.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Review: 'Great fit, fast delivery.'"}, {"role": "assistant", "content": "Positive"}]}
... (12 lines in all)
{"messages": [{"role": "user", "content": "Review: 'Broke after a week.'"}, {"role": "assistant", "content": "Negative"}]}
... (22 lines in all)
{"messages": [{"role": "user", "content": "Review: 'Lovely colours.'"}, {"role": "assistant", "content": "positive."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Review: 'Great fit, fast delivery.'"}, {"role": "assistant", "content": "Positive"}]}
... (12 lines in all)
{"messages": [{"role": "user", "content": "Review: 'Broke after a week.'"}, {"role": "assistant", "content": "Negative"}]}
... (22 lines in all)
{"messages": [{"role": "user", "content": "Review: 'Lovely colours.'"}, {"role": "assistant", "content": "Positive"}]}
```
"""

from collections.abc import Iterator

from ftdata.answers import (
    NO_ANSWER,
    answer_facts,
    is_truncated,
    label_counts,
    label_key,
    label_like,
    label_text,
    pack_label,
    quoted,
)
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT524"
NAME = "label-variants"
GROUP = "quality"
SEVERITY = "warning"
FORMATS = ("chat", "preference", "prompt-completion")

LOW = 0xFFFFFFFF


def collect(example: Example, ctx: RuleContext) -> tuple[int, int, int] | None:
    """The answer as written, in three ints (answers.pack_label): itself, or 32 bits of its label's hash and
    32 of its own and its start; NO_ANSWER for an example without an answer; None (nothing kept) for an
    answer that is no label."""
    facts = answer_facts(example)
    if facts is None:
        return NO_ANSWER
    if facts.label is None:
        return None
    return pack_label(facts.text, (hash(facts.label) & LOW) << 32 | hash(facts.text) & LOW)


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    missing, lines = label_counts(dataset.values_of(CODE))
    answers = dataset.examples - missing
    labelled = sum(map(len, lines.values()))
    variants: dict[int, list[tuple[int, int, int]]] = {}  # label -> the ways it is written
    for value in lines:
        if is_truncated(value):
            label = value[0] >> 32
        else:  # the label of the answer itself, as collect hashed it
            label = hash(label_key(label_text(value, "surrogatepass")) or "") & LOW
        variants.setdefault(label, []).append(value)
    if not label_like(answers, labelled, len(variants)):
        return
    for group in variants.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda value: (-len(lines[value]), lines[value][0]))
        main, total = group[0], sum(len(lines[value]) for value in group)
        start, count = lines[main][0], len(lines[main])
        for value in group[1:]:
            message = (
                f"label written {quoted(label_text(value))} here but {quoted(label_text(main))} in {count} of its "
                f"{total} examples (first at line {start}): to the model these are different answers, which "
                "splits the label; write it one way"
            )
            for line in lines[value]:
                yield Finding(message, line=line)
