"""Messages after the last assistant message.

What it does
------------
Flags an example that goes on after its last assistant message (with a user or system message).

Why is this bad?
----------------
Only assistant messages are trained on, so the tail trains nothing but still costs tokens. It usually
means the final answer was cut off when the data was exported.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Thanks"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT113"
NAME = "messages-after-last-assistant"
GROUP = "structure"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = ("chat",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    indexed = [(i, m) for i, m in enumerate(messages_of(example.data) or ()) if isinstance(m, dict)]
    last_assistant = max((i for i, m in indexed if m.get("role") == "assistant"), default=None)
    if last_assistant is None:
        return  # missing-assistant-message reports it
    tail = [i for i, _ in indexed if i > last_assistant]
    if tail:
        yield Finding(
            f"{len(tail)} message(s) after the last assistant message train nothing but cost tokens; "
            "remove them or add the assistant's reply",
            path=f"$.messages[{tail[0]}]",
        )
