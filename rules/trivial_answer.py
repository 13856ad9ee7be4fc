"""An answer is empty or says nothing.

What it does
------------
Flags an answer that is empty or says nothing: only punctuation, a placeholder or a filler word. The answer
is the last assistant message trained on, a DPO pair's preferred output or a legacy completion; it is
flagged when it is empty or only white space, only punctuation or symbols (".", "...", "-"), a placeholder
never filled in ("TODO", "TBD", "lorem ipsum", "<answer>"), or a filler word that answers nothing ("ok",
"N/A", "null", "test"). Filler words are let be in a label dataset — when at least ``label-share``
(half) of the file's examples answer with a short label, "ok" or "N/A" may be one of its classes. An answer
that only calls tools is not empty, and an empty legacy completion is ``invalid-prompt-completion``'s. A
small int is kept for short answers only.

Why is this bad?
----------------
Every answer is a demonstration: an empty or placeholder one teaches the model to answer with nothing, or
with "TODO", and costs a training example. They are export slips — a field that was not filled, a draft
row, a test line left in.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "How long does a tune-up take?"}, {"role": "assistant", "content": "TODO"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "How long does a tune-up take?"}, {"role": "assistant", "content": "Usually one working day."}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.qualityfacts import IS_LABEL, TRIVIAL, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext
from ftdata.shapes import (
    FILLERS,
    PLACEHOLDERS,
    TRIVIAL_EMPTY,
    TRIVIAL_FILLER,
    TRIVIAL_KIND_BITS,
    TRIVIAL_MARKS,
    TRIVIAL_PLACEHOLDER,
)

CODE = "FT536"
NAME = "trivial-answer"
GROUP = "quality"
SEVERITY = "warning"
FORMATS = ("chat", "preference", "prompt-completion")
# label-share: from half on, short labels are what the file teaches (a classifier's classes)
OPTIONS = {"label-share": 0.5}

collect = qualityfacts.collect  # how the answer is TRIVIAL, and whether it is a label


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    labels = sum(1 for _, value in present(collected, TRIVIAL) if value & IS_LABEL)
    classes = dataset.examples and labels >= ctx.options["label-share"] * dataset.examples
    for line, value in present(collected, TRIVIAL):
        kind = value & ~IS_LABEL
        category = kind & ((1 << TRIVIAL_KIND_BITS) - 1)
        word = kind >> TRIVIAL_KIND_BITS
        if category == TRIVIAL_EMPTY:
            message = "answer is empty: the model learns to say nothing; write the answer, or remove the example"
        elif category == TRIVIAL_MARKS:
            message = (
                "answer is only punctuation or symbols: the model learns to answer with nothing; write the "
                "answer, or remove the example"
            )
        elif category == TRIVIAL_PLACEHOLDER:
            message = (
                f"answer is the placeholder '{PLACEHOLDERS[word]}': it was never written; write it, or remove "
                "the example"
            )
        elif category == TRIVIAL_FILLER and not classes:
            message = (
                f"answer is just '{FILLERS[word]}', which answers nothing: the model learns to give such answers; "
                "write a real answer, or remove the example"
            )
        else:
            continue
        yield Finding(message, line=line)
