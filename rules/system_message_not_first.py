"""System message after the first message, on a target that takes one only first.

What it does
------------
On a target that takes a system message only as the first message of a conversation (``together``,
``fireworks``), flags each system message anywhere else: in a chat example's messages, or in a DPO
example's input messages.

Why is this bad?
----------------
The service refuses the example: Fireworks' guide says "A message with the system role is optional, but if
specified, it must be the first message of the conversation". A system message in mid-conversation is
often an instruction added later, or two examples joined into one.

Example
-------
```jsonl target=fireworks
{"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Answer in French."}, {"role": "assistant", "content": "Bonjour."}]}
```

Use instead
-----------
```jsonl target=fireworks
{"messages": [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Bonjour."}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.formats import message_lists
from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT115"
NAME = "system-message-not-first"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("chat", "preference")


def active(target: "Target") -> bool:
    """Only where a system message may only come first."""
    return target.profile.conversation.system_first_only.value


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.target.profile.conversation.system_first_only.value:
        return
    name = ctx.target.profile.name
    for base, messages in message_lists(example.data, example.format):
        if base not in ("$.messages", "$.input.messages"):
            continue  # a DPO pair's outputs: invalid-preference-pair says which roles they take
        for index, message in enumerate(messages):
            if index and isinstance(message, dict) and message.get("role") == "system":
                yield Finding(
                    f"system message at position {index}: {name} takes a system message only as the first "
                    "message; move its instructions into one system message at the start",
                    path=f"{base}[{index}]",
                )
