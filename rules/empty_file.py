"""Empty file.

What it does
------------
Flags a file with no bytes at all.

Why is this bad?
----------------
There is nothing to train on; the service rejects it. Usually an export that failed or wrote elsewhere.

Example
-------
```jsonl
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT006"
NAME = "empty-file"
GROUP = "file"
SEVERITY = "error"
READER_ISSUE = "empty-file"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    yield Finding("file is empty; it must hold one JSON example per line")
