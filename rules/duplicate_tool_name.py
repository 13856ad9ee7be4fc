"""Two tools with the same name.

What it does
------------
Flags a function name defined more than once in an example's ``tools`` (or ``functions``).

Why is this bad?
----------------
A call names its function; with two definitions of one name the call is ambiguous, and the service
rejects the example.

Example
-------
```jsonl
{"tools": [{"type": "function", "function": {"name": "search"}}, {"type": "function", "function": {"name": "search", "description": "Search the web"}}], "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"tools": [{"type": "function", "function": {"name": "search_docs"}}, {"type": "function", "function": {"name": "search_web", "description": "Search the web"}}], "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, excerpt, tools_of
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT137"
NAME = "duplicate-tool-name"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    path, tools = tools_of(example.data, example.format)
    named = (
        [
            (f"{path}[{i}].function.name", t["function"].get("name"))
            for i, t in enumerate(tools)
            if isinstance(t, dict) and isinstance(t.get("function"), dict)
        ]
        if isinstance(tools, list)
        else []
    )
    functions = example.data.get("functions")
    if isinstance(functions, list):
        named += [(f"$.functions[{i}].name", f.get("name")) for i, f in enumerate(functions) if isinstance(f, dict)]
    seen: set[str] = set()
    for where, name in named:
        if isinstance(name, str):
            if name in seen:
                yield Finding(f"function {excerpt(name)} is defined twice; names must be unique", path=where)
            seen.add(name)
