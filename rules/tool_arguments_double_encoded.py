r"""Tool-call arguments double-encoded by the chat template.

What it does
------------
On a target that renders examples with an open-weight model's chat template, flags an example whose
tool-call ``arguments`` — a JSON string, as OpenAI's format stores them — the template writes as a quoted
JSON string (``"{\"city\": \"Paris\"}"``) instead of the object itself.

Why is this bad?
----------------
Nothing fails: the trainer trains on what the template wrote, and the model learns to emit its tool
calls' arguments as an escaped string inside the JSON. At inference the serving stack (vLLM, transformers'
tool parsing) expects an object there, and every call fails to parse or reaches the tool as a string.
Templates that apply ``tojson`` to the arguments do this to strings (Qwen2.5's, Llama 3.2's, gpt-oss's);
others write a string as it is (Qwen3's). TRL and Unsloth pass the arguments as given; Axolotl parses them
first. Parse each with ``json.loads`` before training so the template sees an object.

Example
-------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "18C"}, {"role": "assistant", "content": "18C in Paris."}]}
```

Use instead
-----------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": {"city": "Paris"}}}]}, {"role": "tool", "tool_call_id": "c1", "content": "18C"}, {"role": "assistant", "content": "18C in Paris."}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT306"
NAME = "tool-arguments-double-encoded"
GROUP = "tokens"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # a plain chat example has no tool calls (ftdata.formats.is_plain_chat)


def active(target: "Target") -> bool:
    """Only where examples are rendered with an open-weight model's chat template."""
    return target.rendered is not None


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    tokens = example.tokens
    if tokens is None or not tokens.double_encoded:
        return
    name = ctx.target.profile.short_title
    yield Finding(
        f"the chat template of {ctx.target.counter.encoding_name} writes {tokens.double_encoded} tool call(s)' "
        f"arguments, given as JSON strings and passed so by {name}, as quoted strings: the model learns to emit "
        "escaped JSON where the tool takes an object; parse each with json.loads before training",
        path="$",
    )
