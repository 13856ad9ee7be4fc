"""The same prompt has different answers.

What it does
------------
Flags every example of a group that share a prompt (everything before the last assistant message, compared
as ``duplicate-example`` compares examples) but not an answer (the last assistant message), at each line
of the group, naming its first line and how many different answers there are. In prompt/completion files
the prompt and completion are compared; in RFT files the messages and the grader data (the other keys); in
DPO files, a pair conflicts with one that gives the same prompt and outputs with the preference reversed
(pairs built from a ranking share a prompt and a preferred output, and are fine). An assistant message
of weight 0 is not an answer.

Why is this bad?
----------------
Conflicting labels teach the model to guess between the answers: the loss cannot go below what the
disagreement costs, and in label and classification data it is noise the model learns. They usually come
from merged annotators or sources, or from a prompt that lost the context that told the answers apart.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Is this review positive? 'Arrived late.'"}, {"role": "assistant", "content": "no"}]}
{"messages": [{"role": "user", "content": "Is this review positive? 'Arrived late.'"}, {"role": "assistant", "content": "yes"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Is this review positive? 'Arrived late.'"}, {"role": "assistant", "content": "no"}]}
{"messages": [{"role": "user", "content": "Is this review positive? 'Great fit.'"}, {"role": "assistant", "content": "yes"}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.qualityfacts import ANSWER, NONE, QUESTION, one_value_each, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT513"
NAME = "conflicting-answers"
GROUP = "quality"
SEVERITY = "warning"


collect = qualityfacts.collect  # the prompt's hash (QUESTION) and the answer's (ANSWER)


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    questions, answered = collected.column(QUESTION), collected.column(ANSWER)
    if one_value_each(questions, answered):
        return  # every prompt has one answer (NONE counts as one): the usual case

    def rows() -> Iterator[tuple[int, ...]]:
        return (row for row in present(collected, QUESTION, ANSWER) if row[2] != NONE)

    first: dict[int, int] = {}  # prompt -> its first answer (ints only: a large file's peak memory)
    answers: dict[int, set[int]] = {}  # prompt -> its answers, for prompts with more than one
    for _, prompt, answer in rows():
        seen = first.setdefault(prompt, answer)
        if seen != answer:
            answers.setdefault(prompt, {seen}).add(answer)
    del first
    if not answers:
        return
    starts: dict[int, int] = {}  # conflicting prompt -> its first line
    sizes = dict.fromkeys(answers, 0)
    for line, prompt, _answer in rows():
        if prompt in sizes:
            sizes[prompt] += 1
            starts.setdefault(prompt, line)
    for line, prompt, _answer in rows():
        found = answers.get(prompt)
        if found is None:
            continue
        start, size = starts[prompt], sizes[prompt]
        if dataset.format == "preference":
            where = "this pair" if line == start else f"the same pair as line {start}"
            message = (
                f"{where} is given with the preference both ways in this file ({size} pairs): contradicting "
                "pairs cancel out; keep the right order"
            )
        else:
            noun = "grader data" if dataset.format == "rft" else "answers"
            where = "this prompt has" if line == start else f"the same prompt as line {start} has"
            message = (
                f"{where} {len(found)} different {noun} in this file ({size} examples): conflicting labels "
                "teach the model to guess between them; keep the right one"
            )
        yield Finding(message, line=line)
