"""RFT example does not end with a user message.

What it does
------------
Flags a reinforcement fine-tuning example (``--method rft``) whose last message is not from the user.

Why is this bad?
----------------
In RFT the model writes the answer and graders score it; the example is the prompt, so it must end with
the user's turn. A trailing assistant message is an answer the model never gets to write.

Example
-------
```jsonl method=rft
{"messages": [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"}], "answer": "4"}
```

Use instead
-----------
```jsonl method=rft
{"messages": [{"role": "developer", "content": "Answer with a number."}, {"role": "user", "content": "What is 2 + 2?"}], "answer": "4"}
```
"""

from collections.abc import Iterator

from ftdata.formats import messages_of
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT170"
NAME = "rft-last-message-not-user"
GROUP = "structure"
SEVERITY = "error"
FORMATS = ("rft",)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    messages = messages_of(example.data)
    if messages and isinstance(messages[-1], dict) and messages[-1].get("role") != "user":
        yield Finding(
            "an RFT example must end with a user message (the model writes the answer)",
            path=f"$.messages[{len(messages) - 1}]",
        )
