"""A label data set has a label far rarer than the others.

What it does
------------
In a label data set — most answers (90%) short and label-like (at most four words and 40 characters),
with 2 to 20 distinct labels (option ``max-labels``) and at least 10 examples a label on average — warns
once for the file about each label that is the answer of fewer than a fifth (option ``rare-ratio``) of the
1/K of the examples an even split of its K labels would give it, with the class distribution. Labels are
compared case folded, with the quotes, brackets and punctuation around them stripped (``label-variants``
points at the variants). Files of fewer than 20 answers (option ``minimum-examples``), and validation
files, are left alone.

Why is this bad?
----------------
A classifier learns the classes' frequencies along with their meaning: a class with too few examples is
rarely predicted, even when it is right — the guide's warning about an imbalance the model copies. A fifth
of an even share (under 10% of a two-class set, under 4% of five classes) is where the model mostly
learns to answer with the other labels; a milder imbalance is common and usually fine. A label that rare
is also often a typo or a stray value ("postive", "N/A").

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Ticket: 'My card was charged twice.'"}, {"role": "assistant", "content": "billing"}]}
... (20 lines in all)
{"messages": [{"role": "user", "content": "Ticket: 'The parcel never came.'"}, {"role": "assistant", "content": "shipping"}]}
... (39 lines in all)
{"messages": [{"role": "user", "content": "Ticket: 'Please delete my account.'"}, {"role": "assistant", "content": "account"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Ticket: 'My card was charged twice.'"}, {"role": "assistant", "content": "billing"}]}
... (10 lines in all)
{"messages": [{"role": "user", "content": "Ticket: 'The parcel never came.'"}, {"role": "assistant", "content": "shipping"}]}
... (20 lines in all)
{"messages": [{"role": "user", "content": "Ticket: 'Please delete my account.'"}, {"role": "assistant", "content": "account"}]}
... (30 lines in all)
```
"""

from collections.abc import Iterator

from ftdata.answers import NO_ANSWER, answer_facts, label_counts, label_like, label_text, pack_label, percent, quoted
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT523"
NAME = "rare-label"
GROUP = "quality"
SEVERITY = "warning"
FILE_ROLES = ("training",)  # what the model learns; a validation file is not trained on
FORMATS = ("chat", "preference", "prompt-completion")
OPTIONS = {"rare-ratio": 0.2, "max-labels": 20, "minimum-examples": 20}

SHOWN = 8  # labels listed in the class distribution


def collect(example: Example, ctx: RuleContext) -> tuple[int, int, int] | None:
    """The answer's label: itself, or its hash and start, in three ints (answers.pack_label); NO_ANSWER for
    an example without an answer; None (nothing kept) for an answer that is no label."""
    facts = answer_facts(example)
    if facts is None:
        return NO_ANSWER
    return None if facts.label is None else pack_label(facts.label, hash(facts.label))


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    missing, lines = label_counts(dataset.values_of(CODE))
    answers = dataset.examples - missing
    labelled = sum(map(len, lines.values()))
    labels = len(lines)
    if answers < max(ctx.options["minimum-examples"], 1):
        return
    if not label_like(answers, labelled, labels, ctx.options["max-labels"]):
        return
    floor = ctx.options["rare-ratio"] / labels * labelled
    rare = [value for value, found in lines.items() if len(found) < floor]
    if not rare:
        return
    ordered = sorted(lines.items(), key=lambda item: (-len(item[1]), item[1][0]))
    shown = ", ".join(
        f"{quoted(label_text(value))} {percent(len(found) / labelled)}" for value, found in ordered[:SHOWN]
    )
    if labels > SHOWN:
        shown += f", and {labels - SHOWN} more"
    for value in sorted(rare, key=lambda value: lines[value][0]):
        found = lines[value]
        yield Finding(
            f"label {quoted(label_text(value))} is the answer of {len(found)} of {labelled} labelled "
            f"examples ({percent(len(found) / labelled)}; first at line {found[0]}), under "
            f"{percent(floor / labelled)} (option rare-ratio: {ctx.options['rare-ratio']:g} of the 1/{labels} an "
            f"even split gives; labels: {shown}): the model sees too few to learn when to answer it; add examples "
            "of it, or fix or drop it if it is a mistake",
            line=None,
        )
