"""Invalid JSON.

What it does
------------
Flags a line that is not valid JSON, with the column where parsing failed.

Why is this bad?
----------------
The service rejects the whole file ("Invalid file format. Example 1273 cannot be parsed. Error: line
contains invalid json"). A common cause is a record pretty-printed over several lines: JSONL needs each
record on one line.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT001"
NAME = "invalid-json"
GROUP = "file"
SEVERITY = "error"
READER_ISSUE = "invalid-json"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    where = f" at column {issue.column}" if issue.column else ""
    yield Finding(
        f"line is not valid JSON{where}: {issue.detail}; each line must be one complete JSON object",
        column=issue.column,
    )
