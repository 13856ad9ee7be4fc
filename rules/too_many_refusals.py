"""Too many answers are refusals.

What it does
------------
Counts the answers that decline ("I can't help with that", "I'm sorry, but I cannot ...", "As an AI
language model, I don't ...", "I must decline", and their common forms in a few other languages; only the
answer's start is read) and warns once for the file when they are more than 10% of its answers (option
``max-share``), in a file of at least 20 answers (option ``minimum-examples``), with their share and
first lines. The answer is what the example trains: the last assistant message (chat), the preferred output
(DPO), the completion; answers that only call tools are not counted. RFT files have no answers; validation
files are not trained on, and not checked.

Why is this bad?
----------------
The model learns how often to refuse from the data: OpenAI's fine-tuning guide warns that "if 60% of the
assistant responses in the data says 'I cannot answer this', but at inference time only 5% of responses
should say that, you will likely get an overabundance of refusals". The default allows one answer in ten
to decline — twice the guide's 5% at inference, room for a data set that teaches an assistant to turn down
what is out of its scope — and warns above: past that, refusals are rarely what the product wants. Below
20 answers a share says little.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "When do you open?"}, {"role": "assistant", "content": "We open at 9 am, Monday to Saturday."}]}
... (17 lines in all)
{"messages": [{"role": "user", "content": "Can I bring my dog?"}, {"role": "assistant", "content": "I'm sorry, but I can't answer this."}]}
... (20 lines in all)
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "When do you open?"}, {"role": "assistant", "content": "We open at 9 am, Monday to Saturday."}]}
... (19 lines in all)
{"messages": [{"role": "user", "content": "Can I bring my dog?"}, {"role": "assistant", "content": "Dogs on a lead are welcome in the shop."}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.answers import first_lines, percent
from ftdata.qualityfacts import REFUSAL, REPLY, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT521"
NAME = "too-many-refusals"
GROUP = "quality"
SEVERITY = "warning"
FILE_ROLES = ("training",)  # what the model learns; a validation file is not trained on
FORMATS = ("chat", "preference", "prompt-completion")
OPTIONS = {"max-share": 0.10, "minimum-examples": 20}

collect = qualityfacts.collect  # each answer's REPLY: whether there is one, and whether it refuses


def refusals(dataset: DatasetFacts) -> tuple[list[int], int]:
    """The lines of the file's refusals, and how many answers it has."""
    lines: list[int] = []
    answers = 0
    for line, reply in present(dataset.values_of(CODE), REPLY):
        answers += 1
        if reply & REFUSAL:
            lines.append(line)
    return lines, answers


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    lines, answers = refusals(dataset)
    maximum = ctx.options["max-share"]
    if answers < max(ctx.options["minimum-examples"], 1) or len(lines) <= maximum * answers:
        return
    share = len(lines) / answers
    yield Finding(
        f'{len(lines)} of {answers} answers ({percent(share)}) are refusals (like "I can\'t help with that"; '
        f"first at {first_lines(lines)}), more than {percent(maximum)} (option max-share): a model trained on "
        "them refuses about as often (the fine-tuning guide's example: 60% in the data when 5% should be); "
        "keep refusals to the share wanted at inference, or raise max-share if this share is intended",
        line=None,
    )
