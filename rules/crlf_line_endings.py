"""Windows (CRLF) line endings.

What it does
------------
Notes, once per file, that lines end with CRLF (``\\r\\n``) rather than LF (``\\n``).

Why is this bad?
----------------
JSON parsers accept the stray ``\\r`` as whitespace, so this is advice, not an error: but tools that split
on ``\\n`` keep the ``\\r`` in the last value, and diffs of the file get noisy.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}<CR>
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT007"
NAME = "crlf-line-endings"
GROUP = "file"
SEVERITY = "info"
READER_ISSUE = "crlf"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    yield Finding("lines end with CRLF (first here; reported once per file); convert with dos2unix on a copy")
