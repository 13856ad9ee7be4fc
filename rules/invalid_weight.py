"""Invalid message weight.

What it does
------------
Flags a ``weight`` that is not ``0`` or ``1``, or a ``weight`` on a message whose role the target does not
weigh (OpenAI: only assistant messages; Together: any message, a weighted user message is trained on).
On a target that sets the weights a message with images may have (``together``: only ``0``, "Messages with
images cannot have non-zero weights"), a message with images and another weight is flagged; a weight it
takes there is not flagged, whoever's message it is.

Why is this bad?
----------------
``weight`` tells the service whether to train on an assistant message (1) or not (0); other values and
other roles are rejected. Booleans and fractions (``0.5``) are common mistakes.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi", "weight": 1}, {"role": "assistant", "content": "Hello", "weight": 0.5}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1}]}
```
"""

from collections.abc import Iterator
from typing import Any

from ftdata.formats import MESSAGE_FORMATS, excerpt, iter_messages
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT111"
NAME = "invalid-weight"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    allowed = ctx.target.vocabulary.weights.value
    with_images = ctx.target.profile.conversation.image_message_weights.value  # None: as any message
    weighted = ctx.target.vocabulary.weighted_roles.value
    for path, message in iter_messages(example.data, example.format):
        if "weight" not in message:
            continue
        weight = message["weight"]
        path = f"{path}.weight"
        if isinstance(weight, bool) or weight not in allowed:
            yield Finding(f"weight {excerpt(weight)} must be the number {' or '.join(map(str, allowed))}", path=path)
        elif with_images is not None and _has_images(message.get("content")):
            if weight not in with_images:
                yield Finding(
                    f"this message holds images and has weight {weight}: {ctx.target.profile.name} takes a "
                    f"message with images only with weight {' or '.join(map(str, with_images))}; set it so, "
                    "or remove the weight",
                    path=path,
                )
        elif message.get("role") not in weighted:
            roles = " and ".join(f"{role} messages" for role in weighted)
            yield Finding(
                f"'weight' is only allowed on {roles} on {ctx.target.profile.name}; remove it here", path=path
            )


def _has_images(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(part, dict) and part.get("type") == "image_url" for part in content
    )
