"""The chat template writes today's date into every example.

What it does
------------
On a target that renders examples with an open-weight model's chat template, says once per file when the
template reads the date (``strftime_now``): every example's text, and so its token count, depends on the day
it is rendered.

Why is this bad?
----------------
Templates such as Llama 3.2's and gpt-oss's put "Today Date: ..." into the system block. The counts ftdata
reports are for one day; the trainer renders with the day it runs, and a model trained on one date string
learns it. Pin the date ftdata uses with ``--date YYYY-MM-DD`` to reproduce a run, and consider fixing the
date in your training code (``date_string``) so that every example carries the same one.

Example
-------
```jsonl target=trl model=meta-llama/Llama-3.2-3B-Instruct
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl target=trl model=meta-llama/Llama-3.1-8B-Instruct
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

(Llama 3.1's template writes a fixed date, so its counts do not change.)
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT305"
NAME = "template-reads-date"
GROUP = "tokens"
SEVERITY = "info"


def active(target: "Target") -> bool:
    """Only where the chosen model's template reads the date."""
    rendered = target.rendered
    return rendered is not None and rendered.reads_date


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    rendered = ctx.target.rendered
    if rendered is None or not rendered.reads_date or not dataset.examples:
        return
    day = rendered.template.now().date().isoformat()
    yield Finding(
        f"the chat template of {rendered.encoding_name} writes the date into every example (strftime_now): the "
        f"counts are for {day}; pin it with --date to reproduce a run, and render with one fixed date when training",
        line=None,
    )
