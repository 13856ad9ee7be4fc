r"""Tool call arguments are JSON, but not a JSON object.

What it does
------------
Flags ``arguments`` that parse to something other than an object: most often a JSON *string* holding
the object (encoded twice), or a list or a number.

Why is this bad?
----------------
Function arguments are an object of named parameters. A model trained on double-encoded arguments learns
to produce them, and every call then fails to parse in your code.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "\"{\\\"city\\\": \\\"Paris\\\"}\""}}]}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import parsed_arguments

CODE = "FT132"
NAME = "tool-arguments-not-object"
GROUP = "structure"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for arguments in parsed_arguments(example):
        value = arguments.value
        if arguments.error is not None or isinstance(value, dict):
            continue  # invalid-tool-arguments reports what is not JSON
        twice = " (a JSON string: the arguments were encoded twice)" if isinstance(value, str) else ""
        yield Finding(
            f"'arguments' holds {describe_json_type(value)}{twice}; it must hold a JSON object", path=arguments.path
        )
