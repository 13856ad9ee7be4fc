"""The chosen model can no longer be fine-tuned, or soon cannot.

What it does
------------
Warns, once per job (however many training files it has), when new fine-tuning jobs on the chosen model
have ended or end within 60 days, with the date and where that date comes from. Only runs when a model is
chosen.

Why is this bad?
----------------
A job on a retired model fails at creation, after the file was prepared for it; a job planned on a model
that is about to stop taking jobs may not start in time. Pick a model that will still be trained on.

Example
-------
```jsonl model=gpt-3.5-turbo
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.lifecycle import lifecycle_source, lifecycle_status
from ftdata.ruleapi import Finding, JobFacts, RuleContext

CODE = "FT403"
NAME = "model-retiring"
GROUP = "dataset"
SEVERITY = "warning"


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.model is None or not job.training:
        return
    status = lifecycle_status(ctx.model, ctx.today)
    if status is not None:
        advice = "choose another model" if status[0] == "retired" else "start the job before then"
        yield Finding(f"{status[1]}; {advice} ({lifecycle_source(ctx.model, ctx.catalog)})")
