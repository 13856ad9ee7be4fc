"""Too many images in an example.

What it does
------------
Flags an example with more images than the target takes (10 on ``openai`` and ``together``; no check on a
target that publishes no limit).

Why is this bad?
----------------
The service accepts at most 10 images per example and skips or rejects the rest.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/1.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/2.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/3.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/4.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/5.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/6.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/7.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/8.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/9.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/10.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/11.png"}}]}, {"role": "assistant", "content": "Eleven pictures."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/1.png"}}, {"type": "image_url", "image_url": {"url": "https://example.com/2.png"}}]}, {"role": "assistant", "content": "Two pictures."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.images import image_parts
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT152"
NAME = "too-many-images"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    maximum = ctx.target.limits.max_images_per_example.value
    if maximum is None:
        return  # the target publishes no limit
    images = [path for path, _, _ in image_parts(example.data, example.format)]
    if len(images) > maximum:
        yield Finding(
            f"example has {len(images)} images; {ctx.target.profile.name} takes at most {maximum}",
            path=images[maximum],
        )
