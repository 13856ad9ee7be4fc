"""No trained token survives.

What it does
------------
On a target that renders examples with an open-weight model's chat template, flags an example that keeps
no trained token: none to begin with under the target's loss rule (an example with no assistant turn under
assistant-only loss, or every assistant turn with weight 0 where weights count), or every trained token past
the maximum length the trainer cuts at.

Why is this bad?
----------------
An example with nothing to train on is wasted at best and fatal at worst: TRL raises at start-up when an
example has no assistant token under ``assistant_only_loss``, and since 1.9 silently drops examples that
truncation left with no label; Unsloth's "All labels in your dataset are -100" stops training; elsewhere it
adds steps and padding that teach nothing. Often it is the sign of a maximum length far too short for the
data (TRL's default is 1,024 tokens).

Example
-------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct max-tokens-per-example=30 train-on=assistant
{"messages": [{"role": "system", "content": "You are a helpful assistant who answers every question about the weather in great detail."}, {"role": "user", "content": "Will it rain?"}, {"role": "assistant", "content": "Yes."}]}
```

Use instead
-----------
```jsonl target=trl model=Qwen/Qwen2.5-7B-Instruct max-tokens-per-example=30 train-on=assistant
{"messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Will it rain?"}, {"role": "assistant", "content": "Yes."}]}
```
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.ruleapi import Example, Finding, RuleContext

if TYPE_CHECKING:
    from ftdata.target import Target

CODE = "FT303"
NAME = "no-trained-tokens"
GROUP = "tokens"
SEVERITY = "error"


def active(target: "Target") -> bool:
    """Only where examples are rendered with an open-weight model's chat template."""
    return target.rendered is not None


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    tokens = example.tokens
    rendered = ctx.target.rendered
    if tokens is None or tokens.error is not None or rendered is None:
        return
    name = ctx.target.profile.short_title
    loss = {"all": "every token", "assistant": "the assistant turns", "last": "the last assistant turn"}[
        rendered.train_on
    ]
    if tokens.trained == 0:
        yield Finding(
            f"example has no trained token: {name} trains {loss} (--train-on {rendered.train_on}) and this example "
            "has none to train (no assistant turn, or all of them weighted 0); add the answer, or leave the "
            "example out",
            path="$",
        )
        return
    limit = ctx.target.max_tokens_for(example.format)
    if ctx.target.drops_over_length:
        return  # a dropped example is example-too-long's to report
    for part in tokens.sequences():  # a preference pair's sides are cut apart
        if part.total > limit and part.trained and part.trained_tokens_beyond(limit) == part.trained:
            side = "" if len(tokens.sequences()) == 1 else " of one side of this pair"
            yield Finding(
                f"no trained token survives{side}: all {part.trained:,} trained tokens lie past the maximum "
                f"length of {limit:,} ({part.total:,} tokens as the chat template renders it), so {name} keeps "
                "only the prompt and trains nothing on it; shorten the prompt, or raise --max-length",
                path="$",
            )
            return
