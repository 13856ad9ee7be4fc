"""Images given by URL cannot be checked offline.

What it does
------------
Notes, once per file, how many examples point at images by ``http(s)`` URL, on a target that takes
such links (``openai``; where they are refused, ``image-url-not-accepted`` reports each one). ftdata never
fetches them, so it cannot check that they exist, are JPEG/PNG/WEBP, are under 10 MB, or pass moderation;
their tokens are estimated.

Why is this bad?
----------------
The service downloads each image when the job starts: a dead link, a redirect to an HTML page or an
image with people in it is skipped then, silently shrinking your dataset. Inline ``data:`` URLs are
checked here in full.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="}}]}, {"role": "assistant", "content": "A dot."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.images import classify_url, image_parts
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT153"
NAME = "remote-images-not-checked"
GROUP = "structure"
SEVERITY = "info"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def collect(example: Example, ctx: RuleContext) -> bool | None:
    schemes = ctx.target.vocabulary.image_url_schemes.value
    if "https" not in schemes and "http" not in schemes:
        return None  # the target takes no links: image-url-not-accepted reports each one
    remote = any(
        isinstance(url := image.get("url"), str)
        and classify_url(url) == "remote"
        and ("https" if url.startswith("https://") else "http") in schemes
        for _, _, image in image_parts(example.data, example.format)
    )
    return True if remote else None


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    lines = dataset.values_of(CODE)
    if lines:
        yield Finding(
            f"{len(lines):,} example(s) use http(s) image URLs (first at line {lines[0][0]}); ftdata does "
            "not fetch them, so their type, size and moderation are unchecked and their tokens estimated",
            line=None,
        )
