"""Unknown message role.

What it does
------------
Flags a ``role`` that is not one of ``system``, ``user``, ``assistant``, ``tool`` or ``function``
(roles are case-sensitive), and suggests the role that was probably meant.

Why is this bad?
----------------
The service rejects the file. Datasets converted from other tools often carry their roles: ``human``,
``gpt``, ``bot``, ``model``, ``Assistant``.

Example
-------
```jsonl
{"messages": [{"role": "human", "content": "Hi"}, {"role": "gpt", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, excerpt, iter_messages
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT106"
NAME = "invalid-role"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS

_LIKELY = {
    "human": "user",
    "customer": "user",
    "question": "user",
    "prompt": "user",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "ai": "assistant",
    "answer": "assistant",
    "chatbot": "assistant",
    "developer": "system",
    "instruction": "system",
    "function_response": "tool",
}


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    vocabulary = ctx.target.vocabulary
    for path, message in iter_messages(example.data, example.format):
        role = message.get("role", "system")
        allowed = vocabulary.rft_roles.value if example.format == "rft" else vocabulary.roles.value
        if role in allowed:
            continue
        meant = _meant(role, vocabulary.roles.value)
        hint = f"; did you mean '{meant}'?" if meant else ""
        yield Finding(f"role {excerpt(role)} is not one of {', '.join(allowed)}{hint}", path=f"{path}.role")


def _meant(role: object, roles: tuple[str, ...]) -> str | None:
    if not isinstance(role, str):
        return None
    key = role.strip().lower()
    return key if key in roles else _LIKELY.get(key)
