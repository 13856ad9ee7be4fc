"""parallel_tool_calls is not a boolean.

What it does
------------
Flags a ``parallel_tool_calls`` value that is not ``true`` or ``false``.

Why is this bad?
----------------
The service rejects the file. Strings such as ``"false"`` are the usual slip.

Example
-------
```jsonl
{"parallel_tool_calls": "false", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"parallel_tool_calls": false, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import parallel_setting

CODE = "FT138"
NAME = "invalid-parallel-tool-calls"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    found = parallel_setting(example.data, example.format)
    if found is not None and not isinstance(found[1], bool):
        yield Finding(
            f"'parallel_tool_calls' is {describe_json_type(found[1])}; it must be true or false", path=found[0]
        )
