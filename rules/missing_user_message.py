"""Example has no user message.

What it does
------------
Flags a chat example with an assistant message but no ``user`` message.

Why is this bad?
----------------
The model learns to answer user turns. An answer with no question teaches it to produce text out of
nowhere, usually a sign that the user turn was lost in conversion.

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT202"
NAME = "missing-user-message"
GROUP = "content"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = ("chat",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    messages = messages_of(example.data) or []
    roles = {_role(message) for message in messages}
    if not roles <= set(ctx.target.vocabulary.roles.value):
        return  # a message without a readable role: other rules report it, and the user turn may be there
    if "assistant" in roles and "user" not in roles:
        yield Finding("example has no user message; the assistant answers nothing", path="$.messages")


def _role(message: object) -> str | None:
    role = message.get("role") if isinstance(message, dict) else None
    return role if isinstance(role, str) else None
