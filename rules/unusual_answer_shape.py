"""An answer's shape differs from the file's usual one.

What it does
------------
Flags the answers whose shape differs from the one most of the file's answers have. Every answer (the last
assistant message trained on, a DPO pair's preferred output, a legacy completion) is sorted into a shape —
a short label (at most four words on one line), JSON (an object or array that parses), code (a fenced
block over most of it, or mostly lines of code), a list (mostly bullet or numbered lines) or prose — and
when one shape covers at least ``dominant-share`` (80%) of a file's answers (``minimum-answers`` of them or
more), the answers of another shape are flagged at their lines. Only structured shapes count as a file's
usual one: labels, code and lists. Prose is free by nature (a chat answer may hold a list or a snippet),
JSON is ``invalid-json-answer``'s, and empty answers are ``trivial-answer``'s. Answers that only call tools
have no shape. One small int per answer is kept.

Why is this bad?
----------------
OpenAI's guide asks to "make sure all of your training examples are in the same format, as expected for
inference". A classifier trained on labels that sometimes gets a sentence, or a code generator that
sometimes gets prose, learns that either will do: at inference it drifts between them, and whatever parses
its output breaks on the odd ones.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Sentiment of: 'Arrived late.'"}, {"role": "assistant", "content": "negative"}]}
... (9 lines in all)
{"messages": [{"role": "user", "content": "Sentiment of: 'Great fit.'"}, {"role": "assistant", "content": "The review is positive: the customer likes how the item fits."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Sentiment of: 'Arrived late.'"}, {"role": "assistant", "content": "negative"}]}
... (9 lines in all)
{"messages": [{"role": "user", "content": "Sentiment of: 'Great fit.'"}, {"role": "assistant", "content": "positive"}]}
```
"""

from collections import Counter
from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.qualityfacts import answer_shapes
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext
from ftdata.shapes import CODE as CODE_SHAPE
from ftdata.shapes import LABEL, LIST, SHAPE_MASK, SHAPES

CODE = "FT534"
NAME = "unusual-answer-shape"
GROUP = "quality"
SEVERITY = "warning"
FORMATS = ("chat", "preference", "prompt-completion")
# dominant-share: at 80% a structured shape is clearly the file's; up to a fifth of odd answers is what
# a merged source or a labeller's habit leaves. minimum-answers: below ten a share says little.
OPTIONS = {"dominant-share": 0.8, "minimum-answers": 10}

USUAL = (LABEL, CODE_SHAPE, LIST)  # the shapes a file's answers may be held to
DESCRIBED = {"label": "a short label", "json": "JSON", "code": "code", "list": "a list", "prose": "prose"}
PLURAL = {"label": "short labels", "code": "code", "list": "lists"}


collect = qualityfacts.collect  # the answer's SHAPE


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)

    def shaped() -> Iterator[tuple[int, int]]:
        return ((line, code & SHAPE_MASK) for line, code in answer_shapes(collected))

    counts = Counter(shape for _, shape in shaped())
    total = counts.total()
    if total < ctx.options["minimum-answers"]:
        return
    usual, number = counts.most_common(1)[0]
    if usual not in USUAL or number < ctx.options["dominant-share"] * total:
        return
    name = SHAPES[usual]
    for line, shape in shaped():
        if shape != usual:
            yield Finding(
                f"answer is {DESCRIBED[SHAPES[shape]]}, but {number:,} of the file's {total:,} answers "
                f"({number / total:.0%}) are {PLURAL[name]}: answers of another shape teach the model to "
                f"switch formats; make it {DESCRIBED[name]} like the others, or remove the example",
                line=line,
            )
