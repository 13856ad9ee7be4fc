"""The file's format is not what the chosen method trains on.

What it does
------------
Flags a file whose format does not fit the method given with ``--method`` (config ``method``): ``dpo``
trains on preference pairs, ``sft`` on chat (or legacy prompt/completion) examples, ``rft`` on chat-shaped
examples read as RFT.

Why is this bad?
----------------
The service refuses the job ("Input file ... is in the fine-tune-chat format, but the specified
fine-tuning job is not using 'supervised' as the training method (provided method=dpo)"); an option that
silently does nothing hides that the file is not the one meant.

Example
-------
```jsonl method=dpo
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl method=dpo
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "What?"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import FORMAT_NAMES
from ftdata.lifecycle import METHOD_TRAINS
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext

CODE = "FT122"
NAME = "method-mismatch"
GROUP = "structure"
SEVERITY = "error"

_TAKES = {"sft": "chat examples", "dpo": "preference pairs", "rft": "chat-shaped RFT examples"}


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    method = ctx.method
    if method is None or dataset.format is None or dataset.format in METHOD_TRAINS[method]:
        return
    yield Finding(
        f"the file holds {FORMAT_NAMES[dataset.format]} examples, but the method is {method}, which trains on "
        f"{_TAKES[method]}: drop --method {method}, or convert the file"
    )
