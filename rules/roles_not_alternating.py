"""Roles that do not take turns, on a target that wants them to.

What it does
------------
On a target whose conversations must alternate (``together``), flags the first message of a chat example
that breaks the order: an optional system message first, then user and assistant in turn. An assistant's
tool calls, the tool messages that answer them and the assistant message after those count as one
assistant turn. On a target that also takes a system message only first, a later system message is left
to ``system-message-not-first``.

Why is this bad?
----------------
The service refuses the file: Together's data preparation guide says "The conversation must start with
system or user and alternate user and assistant afterwards". Two user messages in a row are usually one
question split in two, and two assistant messages one answer split in two.

Example
-------
```jsonl target=together
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "user", "content": "Are you there?"}, {"role": "assistant", "content": "Yes."}]}
```

Use instead
-----------
```jsonl target=together
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi. Are you there?"}, {"role": "assistant", "content": "Yes."}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.formats import messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT114"
NAME = "roles-not-alternating"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("chat",)

_TOOL_ROLES = ("tool", "function")
# What may come after a message of each role (None: the start of the conversation).
_NEXT: dict[str | None, tuple[str, ...]] = {
    None: ("user",),
    "system": ("user",),
    "user": ("assistant",),
    "assistant": ("user", *_TOOL_ROLES),  # its tool calls are answered before the user speaks again
    "tool": ("assistant", *_TOOL_ROLES),
    "function": ("assistant", *_TOOL_ROLES),
}


def active(target: "Target") -> bool:
    """Only where turns must alternate."""
    return target.profile.conversation.alternating_turns.value


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    conversation = ctx.target.profile.conversation
    if not conversation.alternating_turns.value:
        return
    messages = messages_of(example.data)
    if messages is None:
        return
    previous: str | None = None
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(role, str) or role not in ("system", "user", "assistant", *_TOOL_ROLES):
            return  # not a message, or a role the role rules report: the order cannot be judged past it
        if role == "system" and (index == 0 or conversation.system_first_only.value):
            continue  # the first message, or one system-message-not-first reports
        allowed = _NEXT[previous]
        if role not in allowed:
            yield Finding(_message(ctx, index, role, previous, allowed[0]), path=f"$.messages[{index}]")
            return
        previous = role


def _message(ctx: RuleContext, index: int, role: str, previous: str | None, expected: str) -> str:
    name = ctx.target.profile.name
    where = f"after the {previous} message" if previous else "after the system message" if index else "first"
    if role == previous:
        fix = f"merge the two {role} messages into one, or drop one"
    elif expected == "user" and role in _TOOL_ROLES:
        fix = "a tool message must answer the assistant's tool call"
    else:
        fix = f"add the missing {expected} message, or drop this one"
    return (
        f"message {index} is {_a(role)} message where {_a(expected)} message should be ({where}): {name} takes "
        f"turns that alternate (an optional system message, then user, assistant, user, ...); {fix}"
    )


def _a(role: str) -> str:
    return f"an {role}" if role == "assistant" else f"a {role}"
