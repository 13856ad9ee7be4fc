"""Small dataset.

What it does
------------
Notes a training file with fewer than 50 examples (option ``minimum``).

Why is this bad?
----------------
The service accepts 10, but clear improvements usually show from 50 to 100 well-made examples (OpenAI's
fine-tuning guide); with fewer, a better prompt may do as well as the fine-tune.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (12 lines in all)
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (50 lines in all)
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT402"
NAME = "small-dataset"
GROUP = "dataset"
FILE_ROLES = ("training",)  # about the training set: a validation file may be smaller
SEVERITY = "info"
OPTIONS = {"minimum": 50}


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    minimum = ctx.options["minimum"]
    # Below the service's minimum, too-few-examples already says more.
    if ctx.target.limits.min_examples.value <= dataset.examples < minimum:
        yield Finding(
            f"file has {dataset.examples} examples, fewer than {minimum} (option minimum); OpenAI's guide sees "
            "clear improvements from 50 to 100 well-made examples",
            line=None,
        )
