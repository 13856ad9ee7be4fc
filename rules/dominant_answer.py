"""One answer is the answer of a large share of the examples.

What it does
------------
Warns once for the file about each answer that is the answer of more than 20% of its examples (option
``max-share``), in a file of at least 20 answers (option ``minimum-examples``) that is not a label data set,
with its share and first lines. Answers are compared as ``duplicate-example`` compares texts (case and
white space aside), and short ones (up to 200 characters) with the quotes and punctuation around them
stripped too. The answer is what the example
trains: the last assistant message (chat), the preferred output (DPO), the completion; answers that only
call tools are not counted. Label data sets — mostly short answers from a few labels, such as a
classifier's — repeat their labels by design: ``rare-label`` looks at their balance instead. Refusals are
left to ``too-many-refusals``. Validation files are not trained on, and not checked.

Why is this bad?
----------------
The model learns how often to give each answer from the data: an answer that a fifth of the examples end
with is what it will say to a fifth of the prompts, or more, whatever they ask — the guide's warning about
an imbalance the model copies. In data whose answers fit their prompts the most common answer is a
percent or two of them; one over 20% is a placeholder, a template or a fallback ("Please contact
support.") that took over.

Example
-------
```jsonl options={"dominant-answer":{"minimum-examples":5}}
{"messages": [{"role": "user", "content": "Can I change my delivery address?"}, {"role": "assistant", "content": "Please contact our support team."}]}
{"messages": [{"role": "user", "content": "Is my order late?"}, {"role": "assistant", "content": "Please contact our support team."}]}
{"messages": [{"role": "user", "content": "Do you ship to Norway?"}, {"role": "assistant", "content": "please contact our support team"}]}
{"messages": [{"role": "user", "content": "When do you open?"}, {"role": "assistant", "content": "We open at 9 am, Monday to Saturday."}]}
{"messages": [{"role": "user", "content": "Do you sell gift cards?"}, {"role": "assistant", "content": "Yes, from $10 to $200, in the shop or online."}]}
```

Use instead
-----------
```jsonl options={"dominant-answer":{"minimum-examples":5}}
{"messages": [{"role": "user", "content": "Can I change my delivery address?"}, {"role": "assistant", "content": "Yes, until the order ships: use Edit on its page."}]}
{"messages": [{"role": "user", "content": "Is my order late?"}, {"role": "assistant", "content": "Give me its number and I will check its status."}]}
{"messages": [{"role": "user", "content": "Do you ship to Norway?"}, {"role": "assistant", "content": "Yes, in five to seven working days."}]}
{"messages": [{"role": "user", "content": "When do you open?"}, {"role": "assistant", "content": "We open at 9 am, Monday to Saturday."}]}
{"messages": [{"role": "user", "content": "Do you sell gift cards?"}, {"role": "assistant", "content": "Yes, from $10 to $200, in the shop or online."}]}
```
"""

from collections import Counter
from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.answers import first_lines, label_like, percent
from ftdata.qualityfacts import LABELLED, REFUSAL, REPLY, REPLY_KEY, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT522"
NAME = "dominant-answer"
GROUP = "quality"
SEVERITY = "warning"
FILE_ROLES = ("training",)  # what the model learns; a validation file is not trained on
FORMATS = ("chat", "preference", "prompt-completion")
OPTIONS = {"max-share": 0.20, "minimum-examples": 20}

collect = qualityfacts.collect  # each answer's REPLY: its hash, whether it is a label or a refusal


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    counts = Counter(value for _, value in present(collected, REPLY))
    answers = counts.total()
    if answers < max(ctx.options["minimum-examples"], 1):
        return
    labelled = [value for value in counts if value & LABELLED]
    if label_like(answers, sum(counts[value] for value in labelled), len({value & REPLY_KEY for value in labelled})):
        return
    maximum = ctx.options["max-share"] * answers
    common = {value for value, count in counts.items() if count > maximum and not value & REFUSAL}
    if not common:
        return
    lines: dict[int, list[int]] = {value: [] for value in common}
    for line, value in present(collected, REPLY):
        if value in lines:
            lines[value].append(line)
    for found in sorted(lines.values(), key=lambda group: group[0]):
        yield Finding(
            f"the answer at line {found[0]} is the answer of {len(found)} of {answers} examples "
            f"({percent(len(found) / answers)}; {first_lines(found)}), more than {percent(maximum / answers)} "
            "(option max-share): the model learns to give it to as many prompts, whatever they ask; make "
            "the answers fit their prompts, or keep this one to the share wanted at inference",
            line=None,
        )
