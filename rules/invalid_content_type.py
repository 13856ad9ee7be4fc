"""Content of the wrong type.

What it does
------------
Flags ``content`` that is neither a string nor a list of content parts (or an empty list), and content
parts that are not ``{"type": "text", "text": "..."}`` or ``{"type": "image_url", "image_url": {"url": "..."}}``.

Why is this bad?
----------------
The service rejects the file. Numbers, objects and nested lists show up when a dataset is built from
structured data without turning it into text.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": {"question": "Hi"}}, {"role": "assistant", "content": 42}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "42"}]}
```
"""

from collections.abc import Iterator
from typing import Any

from ftdata.formats import MESSAGE_FORMATS, excerpt, iter_messages
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT108"
NAME = "invalid-content-type"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, message in iter_messages(example.data, example.format):
        content = message.get("content")
        path = f"{path}.content"
        if content is None or isinstance(content, str):
            continue
        if not isinstance(content, list):
            yield Finding(
                f"'content' is {describe_json_type(content)}; it must be a string or a list of content parts", path=path
            )
            continue
        if not content:
            yield Finding("'content' is an empty list; give a string or at least one content part", path=path)
        for part_index, part in enumerate(content):
            problem = _part_problem(part)
            if problem:
                yield Finding(problem, path=f"{path}[{part_index}]")


def _part_problem(part: Any) -> str | None:
    if not isinstance(part, dict):
        return f"content part is {describe_json_type(part)}; it must be an object with a 'type'"
    kind = part.get("type")
    if kind == "text":
        return None if isinstance(part.get("text"), str) else "text part needs a string 'text'"
    if kind == "image_url":
        image = part.get("image_url")
        ok = isinstance(image, dict) and isinstance(image.get("url"), str)
        return None if ok else 'image part needs \'image_url\': {"url": "..."}'
    return f"content part type {excerpt(kind)} is not 'text' or 'image_url'"
