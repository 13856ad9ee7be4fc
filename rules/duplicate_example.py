"""An example is in the file more than once.

What it does
------------
Flags every copy of an example after the first, at its line, naming the first line and how many copies
there are. Examples are compared after normalising them: their messages' roles and texts (content parts'
texts joined, tool calls' names and arguments, tools), case folded and with white space removed — so copies
that differ only in case, white space, key order or ids count as the same. A hash of each example
is kept, not its text.

Why is this bad?
----------------
Every copy is trained on again: duplicates over-weight a few examples, push the model to repeat them word
for word, and cost tokens without teaching anything new. Exports that append the same batch twice, or
merge overlapping sources, are the usual causes.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "user", "content": "price of a  tune-up?"}, {"role": "assistant", "content": "$65."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "user", "content": "Price of a new chain?"}, {"role": "assistant", "content": "$30, fitted."}]}
```
"""

from collections import Counter
from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.qualityfacts import EXACT, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT511"
NAME = "duplicate-example"
GROUP = "quality"
SEVERITY = "warning"


collect = qualityfacts.collect  # the example's normalised hash (EXACT), never its text


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    # the hashes counted in C (one dict of ints: a large file's peak memory), then the lines of those seen twice
    counts = Counter(collected.column(EXACT))
    if len(counts) == len(collected):
        return
    repeated = {digest for digest, count in counts.items() if count > 1}
    del counts
    first: dict[int, int] = {}  # repeated hash -> its first line
    copies: dict[int, int] = {}  # repeated hash -> how many lines have it
    for line, digest in present(collected, EXACT):
        if digest in repeated:
            first.setdefault(digest, line)
            copies[digest] = copies.get(digest, 0) + 1
    for line, digest in present(collected, EXACT):
        count = copies.get(digest)
        if count is not None and first[digest] != line:
            yield Finding(
                f"same as line {first[digest]} ({count} copies in this file): duplicates over-weight this "
                "example; remove the copies",
                line=line,
            )
