"""Images for a model that cannot be trained on them.

What it does
------------
Flags the first example with images (and counts the rest) when the chosen model does not take vision
fine-tuning, and names the models that do. Only runs when a model is chosen.

Why is this bad?
----------------
Only some models (gpt-4o in the catalog) are fine-tuned on images; for the others the job fails or the
images are dropped.

Example
-------
```jsonl model=gpt-4o-mini
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
```

Use instead
-----------
```jsonl model=gpt-4o
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.images import image_parts
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT155"
NAME = "images-not-supported"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def collect(example: Example, ctx: RuleContext) -> bool | None:
    if ctx.model is None or "vision" in ctx.model.methods:
        return None
    return True if next(image_parts(example.data, example.format), None) else None


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    lines = dataset.values_of(CODE)
    if lines and ctx.model is not None:
        takers = [m.name for m in ctx.catalog.models if "vision" in m.methods]
        more = f" ({len(lines):,} examples have images)" if len(lines) > 1 else ""
        yield Finding(
            f"{ctx.model.name} is not fine-tuned on images{more}; models that are: "
            f"{', '.join(takers) or 'none in the catalog'}",
            path="$",
            line=lines[0][0],
        )
