"""Blank line.

What it does
------------
Flags an empty (or whitespace-only) line.

Why is this bad?
----------------
JSON Lines has no blank lines: each line is one example. Some loaders count a blank line as a broken
example or stop at it; others skip it. Remove them so every loader sees the same examples.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}

{"messages": [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages": [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT004"
NAME = "blank-line"
GROUP = "file"
SEVERITY = "warning"
READER_ISSUE = "blank-line"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    yield Finding("blank line; JSONL has one example per line, so delete it")
