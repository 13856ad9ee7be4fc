"""File starts with a byte-order mark.

What it does
------------
Flags a UTF-8 byte-order mark (BOM) at the start of the file, as some Windows editors write.

Why is this bad?
----------------
A BOM is not JSON: strict parsers, the service's among them, fail on the first line ("Unexpected UTF-8
BOM"). ftdata strips it to check the rest of line 1.

Example
-------
```jsonl
<BOM>{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Finding, LineIssue

CODE = "FT003"
NAME = "byte-order-mark"
GROUP = "file"
SEVERITY = "error"
READER_ISSUE = "bom"


def check_line(issue: LineIssue) -> Iterator[Finding]:
    yield Finding(
        "file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM "
        "(e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' FILE on a copy)",
        column=1,
    )
