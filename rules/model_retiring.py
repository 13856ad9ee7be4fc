"""The chosen model will soon stop taking new fine-tuning jobs.

What it does
------------
Notes, once per job (however many training files it has), that new fine-tuning jobs on the chosen model
end within 60 days, with the date and where that date comes from. Only runs when a model is chosen; once
the date has passed, ``model-retired`` says so instead. A notice: ``--strict`` does not count it.

Why is this bad?
----------------
A job planned on a model that is about to stop taking jobs may not start in time, and its fine-tunes may
be shut down soon after. Start the job before then, or pick a model that will still be trained on.

Example
-------
```jsonl model=gpt-4o-mini today=2026-12-01
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.lifecycle import lifecycle_source, lifecycle_status, trains_elsewhere
from ftdata.ruleapi import Finding, JobFacts, RuleContext

CODE = "FT403"
NAME = "model-retiring"
GROUP = "dataset"
SEVERITY = "info"


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.model is None or not job.training:
        return
    here = ctx.target.profile.name
    status = lifecycle_status(ctx.model, ctx.today, here)
    if status is not None and status[0] == "ending":
        elsewhere = trains_elsewhere(ctx.model, ctx.today, ctx.target.others, here)
        later = f"; {'; '.join(elsewhere)}" if elsewhere else ""
        life = ctx.model.lifecycle
        who = ", and only for existing customers" if life is not None and life.existing_customers_only else ""
        yield Finding(
            f"{status[1]}{who}; start the job before then{later} ({lifecycle_source(ctx.model, ctx.catalog)})"
        )
