"""A prompt of the validation file is also in the training file.

What it does
------------
Flags each example of the validation file whose prompt (everything before the last assistant message,
compared as ``duplicate-example`` compares examples; a DPO pair's input, an RFT example's messages, a
legacy prompt) is also a training example's, at its line in the validation file, naming the training
file and line. An example that is also in the training file as it is, ``validation-example-in-training``
reports instead; one that differs from a training example only in case, white space or ids is reported
here as a near-copy. Hashes are kept, not texts. (In the examples below, ``validation=last``: the block's
last line is the validation file, the others the training file.)

Why is this bad?
----------------
A prompt the model was trained on is not held out: on it the model recalls the trained answer, so the
validation loss measures memory, not generalisation, and looks better than the model is.

Example
-------
```jsonl validation=last
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "A tune-up is $65."}]}
```

Use instead
-----------
```jsonl validation=last
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "user", "content": "Price of a new chain?"}, {"role": "assistant", "content": "$30, fitted."}]}
```
"""

from collections.abc import Iterator

from ftdata.fingerprints import fingerprint, whole_example_hash
from ftdata.ruleapi import Example, Finding, JobFacts, RuleContext

CODE = "FT514"
NAME = "validation-prompt-in-training"
GROUP = "quality"
SEVERITY = "warning"


def collect(example: Example, ctx: RuleContext) -> tuple[int, int, int] | None:
    """The prompt's hash, the normalised example's and validation-example-in-training's (24 bytes
    of facts); None when the example has no prompt. Collected only when the job has a
    validation file."""
    found = fingerprint(example)
    if found.prompt is None:
        return None
    return found.prompt, found.exact, whole_example_hash(example.data)


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    if not job.validation:
        return
    prompts: dict[int, tuple[str, int]] = {}  # prompt -> the first training file and line with it
    examples: dict[int, tuple[str, int]] = {}  # normalised example -> the same
    wholes: set[int] = set()  # examples as validation-example-in-training compares them
    for training in job.training:
        for line, value in training.facts.values_of(CODE):
            prompts.setdefault(value[0], (training.path, line))
            examples.setdefault(value[1], (training.path, line))
            wholes.add(value[2])
    if not prompts:
        return
    for validation in job.validation:
        for line, value in validation.facts.values_of(CODE):
            if value[2] in wholes:
                continue  # an exact copy: validation-example-in-training reports it
            near = examples.get(value[1])
            found = near or prompts.get(value[0])
            if found is None:
                continue
            where = f"{'the same file' if found[0] == validation.path else found[0]}, line {found[1]}"
            what = (
                f"this example differs from one in the training file ({where}) only in case, white space or ids"
                if near is not None
                else f"this example's prompt is also in the training file ({where})"
            )
            yield Finding(
                f"{what}: the model was trained on it, so the validation loss measures memory, not how the "
                "model does on new prompts; keep held-out prompts out of training",
                line=line,
                file=validation.path,
            )
