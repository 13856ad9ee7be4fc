"""File larger than the target takes.

What it does
------------
Flags a file bigger than the target takes in one upload (512 MiB on ``openai`` and ``azure-openai``); no
check on a target that publishes no limit. The size is the file's as read (decompressed, if it is gzip: as it
will be uploaded).

Why is this bad?
----------------
The upload fails before any job starts: OpenAI's API reference says "Individual files can be up to 512
MB". Split the data over several jobs, or trim it (long examples past the model's limit are truncated
anyway).

Example
-------
```jsonl target=small targets={"small":{"extends":"openai","limits":{"max-file-bytes":150}}}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (2 lines in all)
```

Use instead
-----------
```jsonl target=small targets={"small":{"extends":"openai","limits":{"max-file-bytes":150}}}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.formats import size_text
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT009"
NAME = "file-too-large"
GROUP = "file"
SEVERITY = "error"


def active(target: "Target") -> bool:
    """Only where a file size limit is published."""
    return target.limits.max_file_bytes.value is not None


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.target.limits.max_file_bytes
    if limit.value is not None and dataset.bytes > limit.value:
        note = f" ({limit.note})" if limit.note else ""
        yield Finding(
            f"file is {size_text(dataset.bytes, exact=True)}; {ctx.target.profile.name} takes files of at most "
            f"{size_text(limit.value, exact=True)}{note}: split the data over several jobs, or trim it"
        )
