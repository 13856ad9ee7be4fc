"""The chosen model can no longer be fine-tuned.

What it does
------------
Flags, once per job, a chosen model whose new fine-tuning jobs have ended on the target, with the date,
where that date comes from, the other targets that still train the same model (Azure OpenAI trains
OpenAI's models for months after OpenAI stops), and the target's models that still train files of this
format. Only runs when a model is chosen.

Why is this bad?
----------------
The service refuses to create the job: everything prepared for that model is wasted until the file is
checked and priced for another one.

Example
-------
```jsonl model=gpt-3.5-turbo
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl model=gpt-4o-mini today=2026-12-01
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.lifecycle import lifecycle_source, lifecycle_status, trainable_models, trains_elsewhere
from ftdata.ruleapi import Finding, JobFacts, RuleContext

CODE = "FT406"
NAME = "model-retired"
GROUP = "dataset"
SEVERITY = "error"


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.model is None or not job.training:
        return
    here = ctx.target.profile.name
    status = lifecycle_status(ctx.model, ctx.today, here)
    if status is None or status[0] != "retired":
        return
    file_format = next((f.facts.format for f in job.training if f.facts.format), None)
    elsewhere = trains_elsewhere(ctx.model, ctx.today, ctx.target.others, here)
    where = f"; {'; '.join(elsewhere)} (--target)" if elsewhere else ""
    others = [m.name for m in trainable_models(ctx.catalog, file_format, ctx.today)]
    still = (
        f"{here} models that still train {file_format or 'such'} files: {', '.join(others)}"
        if others
        else f"no {here} model still trains {file_format or 'such'} files"
    )
    yield Finding(
        f"{status[1]}, so the service refuses the job{where}; {still} ({lifecycle_source(ctx.model, ctx.catalog)})"
    )
