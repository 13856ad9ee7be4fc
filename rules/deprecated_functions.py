"""Legacy functions format.

What it does
------------
Notes an example that uses the deprecated ``functions`` / ``function_call`` / ``"role": "function"``
format instead of ``tools`` / ``tool_calls`` / ``"role": "tool"`` (once per example). The legacy parts are
checked by the same rules as tools.

Why is this bad?
----------------
The service still accepts it, but it is deprecated: it cannot express parallel calls, and a model trained
on it is then called with the newer ``tools`` API. Convert while the data is at hand.

Example
-------
```jsonl
{"functions": [{"name": "weather", "parameters": {"type": "object", "properties": {}}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "function_call": {"name": "weather", "arguments": "{}"}}]}
```

Use instead
-----------
```jsonl
{"tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import CONVERSATION_FORMATS, iter_messages
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT140"
NAME = "deprecated-functions"
GROUP = "structure"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = CONVERSATION_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    where: str | None = None
    if "functions" in example.data:
        where = "$.functions"
    else:
        where = next(
            (
                f"{path}.function_call" if "function_call" in m else path
                for path, m in iter_messages(example.data, example.format)
                if "function_call" in m or m.get("role") == "function"
            ),
            None,
        )
    if where is not None:
        yield Finding(
            "the functions / function_call format is deprecated; use tools, tool_calls and role 'tool'", path=where
        )
