"""An example is far longer or shorter than the file's others.

What it does
------------
Notes the examples far longer or far shorter than the file's others. An example is an outlier when its
modified z-score on log token counts (as the target counts them), 0.6745 (log x - median) / MAD (Iglewicz
and Hoaglin; the median absolute deviation of the logs, or 1.2533 times their mean absolute deviation when
more than half the examples have the median's length), is beyond ``max-z`` (3.5) either way, and its
length is at least ``minimum-ratio`` (2) times the file's median or at most its half, in files of at least
``minimum-examples`` (20) examples — unless more than ``max-share`` (5%) of the examples are such: then
they are a second group (examples with an image among examples without), not outliers. The note names the
example's tokens and the file's median. Logs, because lengths are skewed (a ratio to the median is what
stands out); the median and the MAD, because a few outliers move them little, as they would a mean and a
standard deviation. Both are exact, from the histogram of token counts the run keeps anyway; one int per
example (its tokens) says which lines to name.

Why is this bad?
----------------
It may not be — a long document can be the right example — so it is a note. But an example many times
longer than the others is often a concatenation, a dump or a runaway answer, and one many times shorter a
fragment or a stub: worth a look before paying to train on them. (Examples past the model's limit are
``example-too-long``'s.) 3.5 is Iglewicz and Hoaglin's recommended cut-off for modified z-scores.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "A basic tune-up is $65."}]}
... (24 lines in all)
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65. A basic tune-up is $65."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "A basic tune-up is $65."}]}
... (24 lines in all)
{"messages": [{"role": "user", "content": "Price of a full service?"}, {"role": "assistant", "content": "A full service is $120 and takes two days."}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.qualityfacts import TOKENS, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext
from ftdata.shapes import length_stats

CODE = "FT538"
NAME = "length-outlier"
GROUP = "quality"
SEVERITY = "info"
# max-z: Iglewicz and Hoaglin's cut-off; minimum-ratio: an example less than twice (or half) the median's
# length is never odd, however alike the others are; max-share: more than 5% of the examples beyond the
# cut-off are a second group of examples (half of them with an image, say), not outliers; minimum-examples:
# a median and a MAD of fewer say little
OPTIONS = {"max-z": 3.5, "minimum-ratio": 2.0, "max-share": 0.05, "minimum-examples": 20}


collect = qualityfacts.collect  # the example's TOKENS


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    stats = length_stats(dataset.token_counts)
    if stats is None or stats.examples < ctx.options["minimum-examples"] or not stats.spread:
        return
    max_z, ratio_floor = ctx.options["max-z"], ctx.options["minimum-ratio"]
    low, high = stats.median / ratio_floor, stats.median * ratio_floor
    scores = {
        tokens: score
        for tokens in dataset.token_counts
        if (tokens >= high or tokens <= low) and abs(score := stats.z(tokens)) > max_z
    }
    outliers = sum(dataset.token_counts[tokens] for tokens in scores)
    if not scores or outliers > max(1, ctx.options["max-share"] * stats.examples):
        return
    median = f"{stats.median:,.0f}" if stats.median == int(stats.median) else f"{stats.median:,.1f}"
    for line, tokens in present(dataset.values_of(CODE), TOKENS):
        found = scores.get(tokens)
        if found is None:
            continue
        score = found
        ratio = tokens / stats.median if stats.median else float("inf")
        if score > 0:
            how = f"{ratio:,.1f} times the file's median of {median}"
            advice = "check it is one example, not a dump or a runaway answer"
        else:
            times = f", {1 / ratio:,.1f} times as many" if ratio else ""
            how = f"where the file's median is {median}{times}"
            advice = "check it is complete, not a fragment or a stub"
        yield Finding(
            f"example has {tokens:,} tokens, {how} (modified z-score {score:+.1f} on log tokens, beyond "
            f"{max_z:g}): {advice}",
            line=line,
        )
