r"""Tool call arguments are not valid JSON.

What it does
------------
Flags a tool call (or legacy ``function_call``) whose ``arguments`` string does not parse as JSON.

Why is this bad?
----------------
The model learns to produce exactly these arguments, so it learns to emit calls your code cannot parse;
the service may reject the file outright. Truncated exports and single quotes are the usual causes.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{'city': 'Paris'}"}}]}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]}]}
```
"""

from collections.abc import Iterator

import orjson

from ftdata.formats import MESSAGE_FORMATS
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import arguments_of

CODE = "FT131"
NAME = "invalid-tool-arguments"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for path, arguments in arguments_of(example.data, example.format):
        try:
            orjson.loads(arguments)
        except orjson.JSONDecodeError as exc:
            yield Finding(
                f"'arguments' is not valid JSON ({exc.msg} at character {exc.pos}); "
                "it must be a JSON object serialised to a string",
                path=path,
            )
