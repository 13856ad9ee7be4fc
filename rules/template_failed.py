"""The model's chat template refuses the example.

What it does
------------
On a target that renders examples with an open-weight model's own chat template (``trl``, ``axolotl``,
``unsloth``, and services that train open models), flags an example the template refuses to render, with the
template's own message and the likely fix.

Why is this bad?
----------------
The trainer calls the same template (``apply_chat_template``) on every example before training starts,
and one refusal stops the whole run — after the model has been downloaded and the GPUs booked. OpenAI-style
data trips many templates: tool-call ``arguments`` stored as a JSON string where a template iterates a
mapping ("Can only get item pairs from a mapping"), a system message a template does not take, roles that
do not alternate, content given as a list of parts. ftdata renders each example with the template as the
trainer would (the test suite holds its rendering to transformers'), so the refusal shows up here, at its
line.

Example
-------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]}
```

Use instead
-----------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import arguments_of

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT302"
NAME = "template-failed"
GROUP = "tokens"
SEVERITY = "error"


def active(target: "Target") -> bool:
    """Only where examples are rendered with an open-weight model's chat template."""
    return target.rendered is not None


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    tokens = example.tokens
    if tokens is None or tokens.error is None:
        return
    model = ctx.target.counter.encoding_name
    yield Finding(
        f"the chat template of {model} refuses this example: {_short(tokens.error)}; {_fix(example, tokens.error, ctx)}",
        path="$",
    )


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= 200 else message[:197] + "..."


def _fix(example: Example, error: str, ctx: RuleContext) -> str:
    text = error.lower()
    training = ctx.target.profile.training
    if any(arguments_of(example.data, example.format)) and ("mapping" in text or "items" in text or "string" in text):
        if training is not None and training.tool_arguments.value == "mapping":
            return "check the tool calls' arguments"
        name = ctx.target.profile.short_title
        return (
            f"its tool calls' arguments are JSON strings (OpenAI's format), {name} passes them so, and this "
            "template needs objects: parse each with json.loads before training (Axolotl does this itself)"
        )
    if "not valid json" in text:
        return "make each tool call's arguments a valid JSON object"
    if "alternate" in text:
        return "make the turns alternate user/assistant (merge consecutive messages of one role)"
    if "system" in text:
        return "move the system message first, or fold it into the first user message"
    if "tool" in text:
        return "check the tool calls and tool messages against what this template renders"
    return "change the example to the shape this template renders, or train with a template that takes it"
