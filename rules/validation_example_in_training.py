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

from collections.abc import Iterator

from ftdata.fingerprints import whole_example_hash
from ftdata.ruleapi import Example, Finding, JobFacts, RuleContext

CODE = "FT405"
NAME = "validation-example-in-training"
GROUP = "dataset"
SEVERITY = "error"


def collect(example: Example, ctx: RuleContext) -> int:
    """A 64-bit hash of the example with its keys sorted: eight bytes of facts, never its text."""
    return whole_example_hash(example.data)


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
