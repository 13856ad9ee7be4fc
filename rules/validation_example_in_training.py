"""An example of the validation file is also in the training file.

What it does
------------
Flags each example of the validation file that is also in a training file of the job, at its line in the
validation file, naming the training file and line where it also is. Examples are compared whole, after
normalising key order and whitespace between JSON tokens (a hash of each example is kept, not its text).

Why is this bad?
----------------
The validation file measures how the model does on data it was not trained on; examples it was trained
on make the validation loss look better than the model is. OpenAI's API reference says it outright: "the
same data should not be present in both train and validation files". An exact copy is never an accident
worth keeping (unlike a shared prompt, which ``validation-prompt-in-training`` warns about), so it is an
error: the job would run, but its validation figures would mislead. Should you really mean to measure on
training data, say so with ``--severity FT405=warning``.

Example
-------
```jsonl validation=same
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson

from ftdata.ruleapi import Example, Finding, JobFacts, RuleContext

CODE = "FT405"
NAME = "validation-example-in-training"
GROUP = "dataset"
SEVERITY = "error"


def collect(example: Example, ctx: RuleContext) -> int:
    """A 64-bit hash of the example with its keys sorted: eight bytes of facts, never its text."""
    digest = hashlib.blake2b(digest_size=8)
    try:
        digest.update(orjson.dumps(example.data, option=orjson.OPT_SORT_KEYS))
    except orjson.JSONEncodeError:  # deeper than orjson writes, or (from the library) keys that are not strings
        for part in _canonical_parts(example.data):
            digest.update(part)
    return int.from_bytes(digest.digest(), "big")


def _canonical_parts(value: Any) -> Iterator[bytes]:
    """The value as a sequence of byte strings, keys sorted; a loop, so any depth will do."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Close):
            yield item.mark
        elif isinstance(item, dict):
            yield b"{"
            stack.append(_Close(b"}"))
            for key, entry in sorted(item.items(), key=lambda pair: repr(pair[0]), reverse=True):
                stack.extend((entry, _Close(repr(key).encode() + b":")))
        elif isinstance(item, list):
            yield b"["
            stack.append(_Close(b"]"))
            stack.extend(reversed(item))
        else:
            yield repr(item).encode() + b","


class _Close:
    """A mark in the walk: bytes written when the walk reaches it."""

    def __init__(self, mark: bytes) -> None:
        self.mark = mark


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    if not job.validation:
        return
    first_seen: dict[int, tuple[str, int]] = {}
    for training in job.training:
        for line, digest in training.facts.values_of(CODE):
            first_seen.setdefault(digest, (training.path, line))
    for validation in job.validation:
        for line, digest in validation.facts.values_of(CODE):
            found = first_seen.get(digest)
            if found is not None:
                where = "the same file" if found[0] == validation.path else found[0]
                yield Finding(
                    f"this example is also in the training file ({where}, line {found[1]}); keep held-out "
                    "examples out of the training file, or the validation loss looks better than the model is",
                    line=line,
                    file=validation.path,
                )
