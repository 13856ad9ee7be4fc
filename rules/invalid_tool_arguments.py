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

from ftdata.formats import MESSAGE_FORMATS
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import parsed_arguments

CODE = "FT131"
NAME = "invalid-tool-arguments"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for arguments in parsed_arguments(example):
        if arguments.error is not None:
            yield Finding(
                f"'arguments' is not valid JSON ({arguments.error.msg} at character {arguments.error.pos}); "
                "it must be a JSON object serialised to a string",
                path=arguments.path,
            )
