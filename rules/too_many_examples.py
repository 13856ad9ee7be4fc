"""More examples than the target takes in a training file.

What it does
------------
Flags a training file with more examples (lines that are JSON objects) than the target takes in one file
(``fireworks``: 3,000,000); no check on a target that publishes no maximum (``openai``, whose file size
limit applies instead).

Why is this bad?
----------------
The service refuses the dataset: Fireworks' guides give a maximum of 3 million examples per dataset.
Split the examples over several jobs, or sample them down.

Example
-------
```jsonl target=small targets={"small":{"extends":"openai","limits":{"max-examples":{"value":2}}}}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (3 lines in all)
```

Use instead
-----------
```jsonl target=small targets={"small":{"extends":"openai","limits":{"max-examples":{"value":2}}}}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (2 lines in all)
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT407"
NAME = "too-many-examples"
GROUP = "dataset"
FILE_ROLES = ("training",)  # the limit is on the training dataset
SEVERITY = "error"


def active(target: "Target") -> bool:
    """Only where a maximum is published."""
    return target.limits.max_examples.value is not None


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    maximum = ctx.target.limits.max_examples.value
    if maximum is not None and dataset.examples > maximum:
        yield Finding(
            f"file has {dataset.examples:,} examples; {ctx.target.profile.name} takes at most {maximum:,} in a "
            "training file: split them over several jobs, or sample them down"
        )
