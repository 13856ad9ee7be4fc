"""Line is not UTF-8.

What it does
------------
Flags a line holding bytes that are not valid UTF-8 (for example text saved as Latin-1 or Windows-1252).

Why is this bad?
----------------
Training files must be UTF-8; the service cannot parse the line, so it rejects the file.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "caf<0xFF>"}, {"role": "assistant", "content": "Oui"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "café"}, {"role": "assistant", "content": "Oui"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT002"
NAME = "not-utf8"
GROUP = "file"
SEVERITY = "error"
READER_ISSUE = "not-utf8"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    yield Finding(
        f"{issue.detail} (column {issue.column}); re-save the file as UTF-8, e.g. iconv -f cp1252 -t utf-8",
        column=issue.column,
    )
