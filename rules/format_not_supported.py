"""The chosen model cannot be trained on this file's format.

What it does
------------
Flags a file whose format the chosen model does not take — for example DPO pairs for gpt-3.5-turbo,
chat examples for babbage-002, or prompt/completion examples for a chat model — and lists the catalog
models that do take it. Only runs when a model is chosen.

Why is this bad?
----------------
The job fails at creation: each model is trained with certain methods only (supervised chat, DPO,
RFT, or the legacy prompt/completion format).

Example
-------
```jsonl model=gpt-4o-mini
{"prompt": "Translate to French: good morning ->", "completion": " bonjour"}
```

Use instead
-----------
```jsonl model=gpt-4o-mini
{"messages": [{"role": "user", "content": "Translate to French: good morning"}, {"role": "assistant", "content": "bonjour"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import FORMAT_METHOD, FORMAT_NAMES
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT121"
NAME = "format-not-supported"
GROUP = "structure"
SEVERITY = "error"


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.model is None or dataset.format is None:
        return
    method = FORMAT_METHOD[dataset.format]
    if method in ctx.model.methods:
        return
    takers = [m.name for m in ctx.catalog.models if method in m.methods]
    hint = f"; models that take it: {', '.join(takers)}" if takers else "; no catalog model takes it"
    if dataset.format == "prompt-completion" and "sft" in ctx.model.methods:
        hint += (
            '; to train a chat model, convert each line to {"messages": [{"role": "user", "content": '
            'PROMPT}, {"role": "assistant", "content": COMPLETION}]}'
        )
    yield Finding(f"{ctx.model.name} cannot be trained on {FORMAT_NAMES[dataset.format]} files{hint}", line=None)
