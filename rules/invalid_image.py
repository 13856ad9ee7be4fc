"""Image that the service cannot use.

What it does
------------
Flags an image whose URL is neither ``http(s)://`` nor ``data:image/jpeg|png|webp;base64,...``; inline
(data URL) images whose base64 does not decode, that are larger than the target takes (10 MB on
``openai``), whose bytes are not an image type the target takes (JPEG, PNG or WEBP on ``openai``), or
whose bytes are not the type the URL declares; and a ``detail`` other than ``low``, ``high`` or ``auto``.
Whether the target takes links or inline images at all is ``image-url-not-accepted``'s.

Why is this bad?
----------------
The service skips or rejects such images; a type mismatch (PNG bytes declared as JPEG) is a common
result of renaming files instead of converting them.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==", "detail": "medium"}}]}, {"role": "assistant", "content": "A dot."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==", "detail": "low"}}]}, {"role": "assistant", "content": "A dot."}]}
```
"""

from collections.abc import Iterator, Sequence

from ftdata.formats import MESSAGE_FORMATS, excerpt
from ftdata.images import classify_url, image_parts, inspect_data_url
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT151"
NAME = "invalid-image"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, _, image in image_parts(example.data, example.format):
        url = image.get("url")
        detail = image.get("detail")
        details = ctx.target.vocabulary.image_details.value
        if "detail" in image and detail not in details:
            yield Finding(f"detail {excerpt(detail)} must be {_one_of(details)}", path=f"{path}.image_url.detail")
        where = f"{path}.image_url.url"
        if not isinstance(url, str):
            continue  # invalid-content-type reports a part without a url
        kind = classify_url(url)
        types = ctx.target.vocabulary.image_types.value
        if kind == "other":
            yield Finding(f"image URL {excerpt(url)} must be {_url_forms(ctx, types)}", path=where)
        elif kind == "data":
            problem = _data_problem(url, types, ctx.target.limits.max_image_bytes.value)
            if problem:
                yield Finding(problem, path=where)


def _url_forms(ctx: RuleContext, types: tuple[str, ...]) -> str:
    """The kinds of image URL the target takes: 'https://, http:// or data:image/jpeg|png;base64,...'."""
    schemes = ctx.target.vocabulary.image_url_schemes.value
    forms = [f"{s}://" for s in schemes if s != "data"]
    if "data" in schemes or not forms:
        forms.append(f"data:image/{'|'.join(types)};base64,...")
    return _one_of(forms)


def _data_problem(url: str, types: tuple[str, ...], max_bytes: int | None) -> str | None:
    info = inspect_data_url(url)
    if info.error:
        return f"inline image: {info.error}"
    if info.declared not in types:
        return f"inline image declared as image/{info.declared}; only {_one_of(types, 'and')} are accepted"
    if max_bytes is not None and info.size is not None and info.size > max_bytes:
        return f"inline image is {info.size / 1e6:.1f} MB; the limit is {max_bytes / 1048576:g} MB per image"
    if info.actual is None:
        return f"inline image bytes are not a {_one_of([t.upper() for t in types])} image"
    if info.actual != info.declared:
        return f"inline image is declared image/{info.declared} but its bytes are {info.actual.upper()}"
    return None


def _one_of(values: Sequence[str], last: str = "or") -> str:
    """'low, high or auto'."""
    return ", ".join(values[:-1]) + f" {last} {values[-1]}" if len(values) > 1 else "".join(values)
