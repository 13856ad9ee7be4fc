"""Line is not a JSON object.

What it does
------------
Flags a line that is valid JSON but not an object: an array, a string, a number, ``true`` or ``null``.

Why is this bad?
----------------
Every example must be a JSON object (``{"messages": [...]}``); the service rejects anything else. A file
holding one big JSON array must be converted to one object per line.

Example
-------
```jsonl
[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT005"
NAME = "line-not-an-object"
GROUP = "file"
SEVERITY = "error"
READER_ISSUE = "not-an-object"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    hint = ' (a list of messages must be wrapped: {"messages": [...]})' if issue.detail == "an array" else ""
    yield Finding(f"line is {issue.detail}, not a JSON object{hint}")
