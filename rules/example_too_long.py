"""Example longer than the model's limit.

What it does
------------
Flags an example with more tokens than the model takes per training example, saying by how much and how
many trained (assistant) tokens are lost. With no model chosen the limit is 4,096 tokens (the original
fine-tuning guide's); on a trainer target it is the trainer's maximum length; ``max-tokens-per-example``
(``--max-length``) overrides it.

Why is this bad?
----------------
The service accepts the file but truncates each long example **from the end**, so the final assistant
answer, the part the model should learn, is cut first. You still pay for the tokens up to the limit.
Local trainers do it silently too, at a much shorter default: TRL cuts at ``max_length`` 1,024 keeping
the start, Unsloth at 2,048; Axolotl drops the whole example past its ``sequence_len``. On those targets
the count is the chat template's rendering, and the message says how many trained tokens are lost.

Example
-------
```jsonl max-tokens-per-example=20
{"messages": [{"role": "user", "content": "Tell me a story about a lighthouse keeper"}, {"role": "assistant", "content": "Once upon a time, on a rocky island far from shore, there lived an old keeper."}]}
```

Use instead
-----------
```jsonl max-tokens-per-example=20
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT301"
NAME = "example-too-long"
GROUP = "tokens"
SEVERITY = "warning"


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    tokens = example.tokens
    limit = ctx.target.max_tokens_for(example.format)
    if tokens is None:
        return
    # a preference pair rendered for an open model: each side (prompt + answer) is held to the limit apart
    sequences = tokens.sequences()
    longest = max(part.total for part in sequences)
    if longest <= limit:
        return
    lost = sum(part.trained_tokens_beyond(limit) for part in sequences if part.total > limit)
    about = {
        "model": f" for {ctx.model.name if ctx.model else 'the model'}",
        "option": " (set by max-tokens-per-example)",
    }.get(ctx.target.max_tokens_source, " (the default; choose a model with --model)")
    if ctx.target.max_tokens_source == "default" and ctx.model is not None:
        about = (
            f" ({ctx.target.profile.name}'s default: no limit for {ctx.model.name} is published; "
            "set max-tokens-per-example if you know it)"
        )
    approx = "about " if tokens.estimated or not ctx.target.exact_counts else ""
    training = ctx.target.profile.training
    if training is not None and ctx.target.rendered is not None:  # an open-weight model, as its trainer renders it
        name = ctx.target.profile.short_title
        if ctx.target.profile.local:  # the trainer's maximum length, not a model's limit
            about = " (set by --max-length)" if ctx.target.max_tokens_source == "option" else f" ({name}'s default)"
        if ctx.target.drops_over_length:
            fate = f"{name} drops it, with all {tokens.trained:,} of its trained tokens"
        elif training.over_length.value is None:
            fate = f"what {name} does with it is not published (truncated or dropped, {lost:,} trained tokens lost)"
        else:
            fate = f"{name} keeps its first {limit:,} tokens, losing {lost:,} of its {tokens.trained:,} trained tokens"
        bound = "the maximum length" if ctx.target.profile.local else "the limit"
        what = "example has" if len(sequences) == 1 else "the longer side of this pair has"
        yield Finding(
            f"{what} {approx}{longest:,} tokens as {ctx.target.counter.encoding_name}'s chat template "
            f"renders it, over {bound} of {limit:,}{about}; {fate}; shorten or split it"
            + (", or raise the maximum length (--max-length)" if ctx.target.profile.local else ""),
            path="$",
        )
        return
    yield Finding(
        f"example has {approx}{tokens.total:,} tokens, over the limit of {limit:,}{about}; the service "
        f"truncates it from the end, cutting {lost:,} of its {tokens.trained:,} trained (assistant) tokens; "
        "shorten or split it",
        path="$",
    )
