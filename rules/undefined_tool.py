"""Call to a function the example does not define.

What it does
------------
Flags a tool call (or legacy ``function_call``) naming a function that is not in the example's ``tools``
(or ``functions``), when the example defines any.

Why is this bad?
----------------
The model learns to call a function it was not offered — at inference it will invent calls your code
cannot dispatch. Usually a renamed tool, or a ``tools`` list copied from another example.

Example
-------
```jsonl
{"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}]}
```

Use instead
-----------
```jsonl
{"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, excerpt
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.toolcalls import called_names, defined_functions

CODE = "FT133"
NAME = "undefined-tool"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    defined = defined_functions(example.data, example.format)
    if defined is None:
        return  # no tools given: nothing to check the calls against
    for path, name in called_names(example.data, example.format):
        if name not in defined:
            offered = ", ".join(excerpt(known) for known in sorted(defined)[:10]) or "none"
            yield Finding(
                f"calls {excerpt(name)}, which the example's tools do not define (defined: {offered})", path=path
            )
