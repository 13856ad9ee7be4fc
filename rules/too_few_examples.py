"""Fewer than 10 examples.

What it does
------------
Flags a training file with fewer than 10 examples (lines that are JSON objects).

Why is this bad?
----------------
The service refuses to start the job ("Training file has 3 example(s), but must have at least 10
examples").

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (3 lines in all)
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (10 lines in all)
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT401"
NAME = "too-few-examples"
GROUP = "dataset"
FILE_ROLES = ("training",)  # about the training set: a validation file may be smaller
SEVERITY = "error"


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    minimum = ctx.target.limits.min_examples.value
    if dataset.lines and dataset.examples < minimum:
        yield Finding(f"file has {dataset.examples} example(s); the service needs at least {minimum}")
