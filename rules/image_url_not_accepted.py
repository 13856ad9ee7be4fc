"""Image given in a way the target does not take.

What it does
------------
Flags an image whose URL is of a kind the target does not take: an ``https://`` or ``http://`` URL on a
target that takes images only inline as base64 ``data:`` URLs (``together``, ``fireworks``), or a
``data:`` URL on one that takes only links. URLs of no known kind (``ftp://``, a bare file name) are
``invalid-image``'s.

Why is this bad?
----------------
The service refuses the example: Together's vision guide says "If your data references URLs, download and
encode the images first", and its validator takes only ``data:image/jpeg|png|webp;base64,...``.

Example
-------
```jsonl target=together
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]}]}
```

Use instead
-----------
```jsonl target=together
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="}}]}, {"role": "assistant", "content": [{"type": "text", "text": "A dot."}]}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.images import classify_url, image_parts
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT154"
NAME = "image-url-not-accepted"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def _scheme(url: str) -> str | None:
    """'https', 'http' or 'data' for a URL of a kind images are given as; None for any other."""
    kind = classify_url(url)
    if kind == "remote":
        return "https" if url.startswith("https://") else "http"
    return "data" if kind == "data" else None


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    schemes = ctx.target.vocabulary.image_url_schemes.value
    for path, _, image in image_parts(example.data, example.format):
        url = image.get("url")
        scheme = _scheme(url) if isinstance(url, str) else None
        if scheme is not None and scheme not in schemes:
            yield Finding(_message(ctx, scheme, schemes), path=f"{path}.image_url.url")


def _message(ctx: RuleContext, scheme: str, schemes: tuple[str, ...]) -> str:
    name = ctx.target.profile.name
    types = ctx.target.vocabulary.image_types.value
    inline = f"data:image/{types[0] if types else 'png'};base64,..."
    if tuple(schemes) == ("data",):
        return (
            f"{name} takes images only as base64 data URLs ({inline}), not {scheme} URLs: "
            "download the image and encode it"
        )
    links = " or ".join(s for s in schemes if s != "data")
    if "data" not in schemes:
        given = "inline" if scheme == "data" else f"by {scheme} URL"
        return f"{name} takes images only by {links} URL, not {given}: upload the image and link it that way"
    return f"{name} takes images by {links} URL or as base64 data URLs ({inline}), not by {scheme} URL"
