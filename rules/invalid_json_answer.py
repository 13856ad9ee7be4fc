r"""An answer is not valid JSON where the file's answers are JSON.

What it does
------------
Flags the answers that are not valid JSON when most of the file's answers are JSON. When at least
``json-share`` (half) of a file's answers are JSON objects or arrays (counting the attempts below), and
there are ``minimum-answers`` (10) answers or more, each other answer is flagged at its line: one that
starts as JSON does but does not parse (saying where it fails, and whether it is cut off or followed by
other text), JSON inside a ``` code fence, and answers of another shape (prose, a label, a list). Empty
answers are ``trivial-answer``'s. One int per answer is kept (its shape, and where its JSON fails), never
its text.

Why is this bad?
----------------
A model trained to answer in JSON copies its examples' mistakes: a broken example teaches it to write
broken JSON, a fenced one to wrap its output in Markdown, a prose one that prose will do — and the program
that parses its answers fails on them. OpenAI's guide asks to "make sure all of your training examples are
in the same format, as expected for inference". It is a warning, not an error: the file is valid for the
service, and a few non-JSON answers (a refusal where nothing can be extracted) may be meant.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Extract: 'Bo, 31, Oslo'"}, {"role": "assistant", "content": "{\"name\": \"Bo\", \"age\": 31, \"city\": \"Oslo\"}"}]}
... (9 lines in all)
{"messages": [{"role": "user", "content": "Extract: 'Ann, 25, Rome'"}, {"role": "assistant", "content": "{\"name\": \"Ann\", \"age\": 25, \"city\": \"Rome\""}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Extract: 'Bo, 31, Oslo'"}, {"role": "assistant", "content": "{\"name\": \"Bo\", \"age\": 31, \"city\": \"Oslo\"}"}]}
... (9 lines in all)
{"messages": [{"role": "user", "content": "Extract: 'Ann, 25, Rome'"}, {"role": "assistant", "content": "{\"name\": \"Ann\", \"age\": 25, \"city\": \"Rome\"}"}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.qualityfacts import answer_shapes
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext
from ftdata.shapes import (
    BROKEN_JSON,
    CUT_OFF,
    ERROR_SHIFT,
    FENCED_JSON,
    JSON,
    SHAPE_MASK,
    SHAPES,
    TRAILING_TEXT,
)

CODE = "FT535"
NAME = "invalid-json-answer"
GROUP = "quality"
SEVERITY = "warning"
FORMATS = ("chat", "preference", "prompt-completion")
# json-share: "most answers" — from half on, JSON is what the file teaches; minimum-answers: below ten a
# share says little
OPTIONS = {"json-share": 0.5, "minimum-answers": 10}

_ATTEMPTS = BROKEN_JSON | FENCED_JSON
_OTHER = {"label": "a short label", "code": "code", "list": "a list", "prose": "prose"}


collect = qualityfacts.collect  # the answer's SHAPE code (shape, flags, where its JSON fails)


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    total = parsed = attempts = 0
    for _, shape in answer_shapes(collected):
        total += 1
        parsed += shape == JSON
        attempts += bool(shape & _ATTEMPTS)
    if total < ctx.options["minimum-answers"]:
        return
    meant = parsed + attempts
    if not parsed or meant < ctx.options["json-share"] * total:
        return
    context = f"while {parsed:,} of the file's {total:,} answers are JSON"
    for line, shape in answer_shapes(collected):
        if shape == JSON:
            continue
        if shape & BROKEN_JSON:
            where = shape >> ERROR_SHIFT
            if shape & CUT_OFF:
                what = "answer is JSON cut off before its end"
                fix = "complete it"
            elif shape & TRAILING_TEXT:
                what = f"answer is JSON followed by other text (from character {where + 1:,})"
                fix = "keep the JSON alone"
            else:
                what = f"answer looks like JSON but does not parse (at character {where + 1:,})"
                fix = "fix it"
        elif shape & FENCED_JSON:
            what = "answer is JSON inside a ``` code fence"
            fix = "remove the fence"
        else:
            what = f"answer is {_OTHER[SHAPES[shape & SHAPE_MASK]]}, not JSON"
            fix = "answer in JSON, or remove the example"
        yield Finding(f"{what}, {context}: the model learns to write what its examples show; {fix}", line=line)
