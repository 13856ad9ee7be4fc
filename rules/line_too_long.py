"""Line too long to check.

What it does
------------
Flags a line longer than the longest line ftdata reads (``max-line-bytes``, 256 MiB by default), and
skips it without holding it in memory.

Why is this bad?
----------------
No service takes an example that large: it is far over every model's tokens per example and over the
image limits (ten 10 MB images, base64-encoded, are about 140 MB). Usually the line is not one example
at all: a whole file written on one line, or records joined without newlines.

Example
-------
```jsonl max_line_bytes=100
{"messages": [{"role": "user", "content": "Hi, how much is a service?"}, {"role": "assistant", "content": "It is 40 euros."}]}
```

Use instead
-----------
```jsonl max_line_bytes=200
{"messages": [{"role": "user", "content": "Hi, how much is a service?"}, {"role": "assistant", "content": "It is 40 euros."}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT008"
NAME = "line-too-long"
GROUP = "file"
SEVERITY = "error"
READER_ISSUE = "line-too-long"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    yield Finding(
        f"line is {issue.detail} long, over the longest line ftdata reads (max-line-bytes), so it was not "
        "checked; put one example per line, or raise max-line-bytes"
    )
