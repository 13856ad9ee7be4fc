"""RFT example lacks a key the graders read.

What it does
------------
Flags a reinforcement fine-tuning example without one of the keys named in the option ``keys`` (on the
command line: ``--grader-keys answer,source``). Without that option the rule checks nothing.

Why is this bad?
----------------
Graders read ``{{ item.KEY }}`` from each example; a missing key makes the grader fail or score the answer
against nothing, wasting paid training time.

Example
-------
```jsonl method=rft options={"missing-grader-key":{"keys":["answer"]}}
{"messages": [{"role": "user", "content": "What is 2 + 2?"}], "solution": "4"}
```

Use instead
-----------
```jsonl method=rft options={"missing-grader-key":{"keys":["answer"]}}
{"messages": [{"role": "user", "content": "What is 2 + 2?"}], "answer": "4"}
```
"""

from collections.abc import Iterator

from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT171"
NAME = "missing-grader-key"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("rft",)
OPTIONS: dict[str, list[str]] = {"keys": []}


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    missing = [key for key in ctx.options["keys"] if key not in example.data]
    if missing:
        yield Finding(f"example lacks the grader key(s) {', '.join(missing)}", path="$")
