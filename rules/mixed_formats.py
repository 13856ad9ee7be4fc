"""Examples of different formats in one file.

What it does
------------
Flags, at the first line that differs, a file whose examples are not all of one format (chat,
DPO preference pair, prompt/completion), and says how many lines differ.

Why is this bad?
----------------
A training file holds one kind of example, for one training method; the service rejects a file that
mixes them ("Input file ... is in the fine-tune-chat format, but the specified fine-tuning job is not
using 'supervised'..."). It usually means two exports were concatenated.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"prompt": "Hi ->", "completion": " Hello"}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import FORMAT_NAMES, detect_format
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT120"
NAME = "mixed-formats"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)


def collect(example: Example, ctx: RuleContext) -> str | None:
    """The record's own format, when it is not the file's."""
    own = detect_format(example.data, ctx.method)
    return own if own != example.format else None


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    differing = dataset.values_of(CODE)
    if differing and dataset.format:
        line, own = differing[0]
        more = f" ({len(differing):,} lines differ in all)" if len(differing) > 1 else ""
        yield Finding(
            f"this is a {FORMAT_NAMES[own]} example, but the file's first example is {FORMAT_NAMES[dataset.format]}"
            f"{more}; a training file holds one format: split it",
            path="$",
            line=line,
        )
