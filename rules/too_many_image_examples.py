"""More than 50,000 examples with images.

What it does
------------
Flags a training file with more examples that contain images than the target takes (50,000 on
``openai``; no check on a target that publishes no limit; option ``maximum`` sets another limit).

Why is this bad?
----------------
The service accepts at most 50,000 examples with images per file.

Example
-------
```jsonl options={"too-many-image-examples":{"maximum":1}}
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/1.png"}}]}, {"role": "assistant", "content": "One."}]}
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/2.png"}}]}, {"role": "assistant", "content": "Two."}]}
```

Use instead
-----------
```jsonl options={"too-many-image-examples":{"maximum":1}}
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/1.png"}}]}, {"role": "assistant", "content": "One."}]}
{"messages": [{"role": "user", "content": "No picture"}, {"role": "assistant", "content": "Fine."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.images import image_parts
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT404"
NAME = "too-many-image-examples"
GROUP = "dataset"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS
OPTIONS: dict[str, int | None] = {"maximum": None}  # None: the target's limit


def collect(example: Example, ctx: RuleContext) -> bool | None:
    return True if next(image_parts(example.data, example.format), None) else None


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    lines = dataset.values_of(CODE)
    maximum = ctx.options["maximum"]
    if maximum is None:
        maximum = ctx.target.limits.max_image_examples.value
    if maximum is not None and len(lines) > maximum:  # None: the target publishes no limit
        yield Finding(
            f"{len(lines):,} examples have images; the service takes at most {maximum:,} per file "
            f"(the first over the limit is at line {lines[maximum][0]}); split the file",
            line=None,
        )
