"""String content and lists of parts in one example, on a target that wants one kind.

What it does
------------
On a target that takes an example's messages either all as text or all as lists of content parts
(``together``), flags the first message whose content is of the other kind than the first message's:
a string where the first message has a list of parts, or the other way round. Messages without content
(an assistant's tool calls with ``"content": null``) do not count; a DPO example's input and outputs are
one example.

Why is this bad?
----------------
The service refuses the example: Together's validator says "Messages in the conversation must be either all
in multimodal or all in text-only format" (a list of text parts counts as multimodal). A vision example
usually has its images in a list-of-parts user message and plain string messages around it.

Example
-------
```jsonl target=together
{"messages": [{"role": "system", "content": "Name the animal."}, {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="}}]}, {"role": "assistant", "content": "A dot."}]}
```

Use instead
-----------
```jsonl target=together
{"messages": [{"role": "system", "content": [{"type": "text", "text": "Name the animal."}]}, {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="}}]}, {"role": "assistant", "content": [{"type": "text", "text": "A dot."}]}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.formats import MESSAGE_FORMATS, iter_messages
from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT116"
NAME = "mixed-content-kinds"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def active(target: "Target") -> bool:
    """Only where content may not be mixed."""
    return target.profile.conversation.uniform_content.value


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.target.profile.conversation.uniform_content.value:
        return
    first: tuple[str, bool] | None = None  # (path, content is a list of parts) of the first message with content
    for path, message in iter_messages(example.data, example.format):
        content = message.get("content")
        if not isinstance(content, (str, list)):
            continue  # no content, or content of no kind: invalid-content-type reports the latter
        parts = isinstance(content, list)
        if first is None:
            first = (path, parts)
        elif parts != first[1]:
            yield Finding(_message(ctx, path, first[0], parts), path=f"{path}.content")
            return


def _message(ctx: RuleContext, path: str, first: str, parts: bool) -> str:
    this, other = ("a list of parts", "a string") if parts else ("a string", "a list of parts")
    return (
        f"content is {this} here but {other} in {first}: {ctx.target.profile.name} takes an example's messages "
        "all as text or all as lists of parts; write every message's content as a list of parts "
        '([{"type": "text", "text": "..."}]) when the example has images, else every one as a string'
    )
