"""Image in a message that is not the user's.

What it does
------------
Flags an ``image_url`` content part in a system, assistant or tool message.

Why is this bad?
----------------
Images are only accepted in user messages: the model cannot be trained to produce images, and the
service rejects the example.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Draw a cat"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.images import image_parts
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT150"
NAME = "image-outside-user-message"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, role, _ in image_parts(example.data, example.format):
        if role != "user":
            yield Finding(f"images are only accepted in user messages, not in the {role} message", path=path)
