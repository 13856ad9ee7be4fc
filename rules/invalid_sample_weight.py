"""Invalid sample weight.

What it does
------------
On a target that takes a top-level ``weight`` on each example (``together``: a loss multiplier for the
whole sample), flags one that is not a finite, non-negative number.

Why is this bad?
----------------
The sample weight scales the loss of every token of the example (``1.0`` when absent, ``0`` drops the
example from the loss): a negative value would train the model away from the example, and a string or a
boolean is refused. On targets without sample weights, the key itself is flagged by
``unknown-top-level-key``.

Example
-------
```jsonl target=together
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "weight": -1}
```

Use instead
-----------
```jsonl target=together
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "weight": 0.5}
```
"""

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.formats import excerpt
from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT117"
NAME = "invalid-sample-weight"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # a plain chat example has no top-level weight (ftdata.formats.is_plain_chat)


def active(target: "Target") -> bool:
    """Only where examples may carry a weight."""
    return target.vocabulary.sample_weight.value


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if "weight" not in example.data or not ctx.target.vocabulary.sample_weight.value:
        return
    weight = example.data["weight"]
    number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
    if not number or not math.isfinite(weight) or weight < 0:
        yield Finding(
            f"sample weight {excerpt(weight)} must be a number of 0 or more (1.0 when left out; 0 leaves the "
            f"example out of the loss) on {ctx.target.profile.name}",
            path="$.weight",
        )
