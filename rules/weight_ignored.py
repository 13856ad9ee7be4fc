"""Message weight ignored by the trainer.

What it does
------------
On a target whose trainer has no per-message weights (``trl``, ``unsloth``, ``axolotl`` unless configured),
flags an example with a ``weight: 0`` message: the turn OpenAI would leave out of the loss is trained.

Why is this bad?
----------------
OpenAI's format uses ``weight: 0`` to keep a bad or off-policy assistant turn in the context without
learning it. TRL has no such field: the template renders the turn and the loss covers it (all tokens by
default, every assistant turn with ``assistant_only_loss``), so the model learns exactly what the data
says not to. Axolotl honours it only with ``message_field_training: weight`` in its dataset config.

Example
-------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away.", "weight": 0}, {"role": "user", "content": "Please?"}, {"role": "assistant", "content": "Hello! How can I help?"}]}
```

Use instead
-----------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct
{"messages": [{"role": "user", "content": "Please?"}, {"role": "assistant", "content": "Hello! How can I help?"}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.formats import messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT304"
NAME = "weight-ignored"
GROUP = "tokens"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # a plain chat example has no weights (ftdata.formats.is_plain_chat)


def active(target: "Target") -> bool:
    """Only on targets that render open-weight models' examples and do not honour weights."""
    training = target.profile.training
    return training is not None and not training.weights.value


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    messages = messages_of(example.data) or []
    for index, message in enumerate(messages):
        if isinstance(message, dict) and message.get("weight") == 0 and message.get("role") == "assistant":
            name = ctx.target.profile.short_title
            yield Finding(
                f"weight 0 is ignored by {name}: this assistant turn is trained like the others; remove the turn "
                "(or the example), or train where weights count"
                + (" (Axolotl: message_field_training: weight)" if ctx.target.profile.name == "axolotl" else ""),
                path=f"$.messages[{index}].weight",
            )
