"""Job that trains on more tokens than the target takes.

What it does
------------
Flags a job whose trained tokens (the billed tokens of its training files, each example up to the model's
limit, times the epochs) exceed the target's cap on one job (``azure-openai``: 2 billion); no check on a
target that publishes no cap. The epochs are ``--epochs`` if given, else the target's default for the
file's size; where that default is not documented, one epoch is counted and the figure is a lower bound.

Why is this bad?
----------------
The service refuses the job: Azure OpenAI's quotas give a "Max training job size (tokens in training file)
x (# of epochs)" of 2 billion. Train fewer epochs, or on fewer or shorter examples.

Example
-------
```jsonl target=small targets={"small":{"extends":"openai","limits":{"max-trained-tokens":{"value":100}}}}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (10 lines in all)
```

Use instead
-----------
```jsonl target=small targets={"small":{"extends":"openai","limits":{"max-trained-tokens":{"value":100000}}}}
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
... (10 lines in all)
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.cost import billed_tokens
from ftdata.ruleapi import Finding, JobFacts, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT408"
NAME = "job-too-large"
GROUP = "dataset"
SEVERITY = "error"


def active(target: "Target") -> bool:
    """Only where a tokens × epochs cap is published."""
    return target.limits.max_trained_tokens.value is not None


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.target.limits.max_trained_tokens.value
    if limit is None:
        return
    trained = 0
    parts = []
    unknown = False  # the default epochs of some file are not documented: one is counted
    for training in job.training:
        facts = training.facts
        billed = billed_tokens(facts.token_counts, ctx.target.max_tokens_for(facts.format))
        epochs = ctx.target.epochs or ctx.target.profile.epochs.epochs_for(facts.examples)
        if epochs is None:
            unknown, epochs = True, 1
        trained += billed * epochs
        parts.append(f"{billed:,} tokens × {epochs} epoch{'s' if epochs != 1 else ''}")
    if trained > limit:
        name = ctx.target.profile.name
        how = " + ".join(parts) if len(parts) <= 3 else f"{len(parts)} training files"
        if unknown:
            how += f": {name}'s default epochs are not documented, so one is counted; pass --epochs"
        yield Finding(
            f"the job trains on {'at least ' if unknown else ''}{trained:,} tokens ({how}); {name} takes at most "
            f"{limit:,} tokens × epochs per job: train fewer epochs (--epochs), or on fewer or shorter examples"
        )
