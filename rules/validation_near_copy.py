"""An example of the validation file is nearly the same as a training example (opt-in).

What it does
------------
Flags, when switched on, each example of the validation file that is nearly the same as an example of a
training file of the job, at its line in the validation file, naming the training file and line of the most
similar one and the estimated similarity. Examples are compared as ``near-duplicate-example`` compares them:
by the text of their user and assistant messages (not the system prompt), as the share of their runs of
three words they have in common, estimated from a 64-byte sketch of each; at least 0.8 (option
``threshold``) is a near-copy, and examples of fewer than 20 words (option ``minimum-words``) are left out.
Exact copies are left to ``validation-example-in-training``, and examples whose prompt is a training
example's to ``validation-prompt-in-training``. (In the examples below, ``validation=last``: the block's
last line is the validation file, the others the training file.)

The rule finds nothing unless ``ftdata lint --deep`` runs the slow checks, or its option ``enabled`` is
``true`` (in ``[tool.ftdata]``: ``options = {validation-near-copy = {enabled = true}}``): with a validation file, it sketches every example of the job,
as ``near-duplicate-example`` does, at the same cost (the two share each example's sketch).

Why is this bad?
----------------
A validation example that is a training example with a word or two changed is not held out: the model
recalls the trained answer, and the validation loss measures memory, not how the model does on new data —
it looks better than the model is. Such near-copies come from splitting templated or paraphrased data at
random: keep each template's or source's examples on one side of the split.

Example
-------
```jsonl validation=last options={"validation-near-copy":{"enabled":true}}
{"messages": [{"role": "user", "content": "My rear brake squeals loudly every time I stop on wet roads, even after I cleaned the rim. What should I do?"}, {"role": "assistant", "content": "Squealing on wet rims usually means worn or glazed pads. Replace the pads, sand the rim lightly and toe the pads in; bring it in and we fit new pads for $15."}]}
{"messages": [{"role": "user", "content": "My front brake squeals loudly every time I stop on wet roads, even after I cleaned the rim. What should I do?"}, {"role": "assistant", "content": "Squealing on wet rims usually means worn or glazed pads. Replace the pads, sand the rim lightly and toe the pads in; bring it in and we fit new pads for $15."}]}
```

Use instead
-----------
```jsonl validation=last options={"validation-near-copy":{"enabled":true}}
{"messages": [{"role": "user", "content": "My rear brake squeals loudly every time I stop on wet roads, even after I cleaned the rim. What should I do?"}, {"role": "assistant", "content": "Squealing on wet rims usually means worn or glazed pads. Replace the pads, sand the rim lightly and toe the pads in; bring it in and we fit new pads for $15."}]}
{"messages": [{"role": "user", "content": "My front disc brake rubs on every turn of the wheel since I had a new tyre fitted last week. Can I fix that myself?"}, {"role": "assistant", "content": "Usually the wheel is not seated straight. Loosen the axle, push the wheel fully into the dropouts and tighten it again; if it still rubs, the caliper needs centring, a five-minute job at our counter."}]}
```
"""

from collections.abc import Iterator
from itertools import compress

from ftdata import minhash
from ftdata.fingerprints import fingerprint
from ftdata.ruleapi import Example, Finding, JobFacts, RuleContext

CODE = "FT515"
NAME = "validation-near-copy"
GROUP = "quality"
SEVERITY = "warning"
DEEP = True
OPTIONS = {"enabled": False, "threshold": 0.8, "minimum-words": 20}
PLAIN_CHAT_CLEAN = False  # plain chat examples are what it compares

_HALF = (1 << 32) - 1
_NO_PROMPT = 0x9E3779B9  # an example without a prompt: its prompt stands for its own example alone


def collect(example: Example, ctx: RuleContext) -> tuple[int, ...] | None:
    """The example's sketch (8 ints), and 32 bits each of the hashes of its prompt and of the normalised
    example (what validation-prompt-in-training and validation-example-in-training report): 72 bytes; None
    when off or for a short example. Collected only when the job has a validation file."""
    found = minhash.compared(example, ctx.options)
    if found is None:
        return None
    prints = fingerprint(example)
    prompt = prints.exact ^ _NO_PROMPT if prints.prompt is None else prints.prompt
    return (*found.signature, (prompt & _HALF) << 32 | (prints.exact & _HALF))


def finish_job(job: JobFacts, ctx: RuleContext) -> Iterator[Finding]:
    if not job.validation:
        return
    threshold = ctx.options["threshold"]
    training = [(item.path, minhash.Signatures(item.facts.values_of(CODE))) for item in job.training]
    training = [(path, table) for path, table in training if len(table)]
    if not training:
        return
    prompts: set[int] = set()  # what the other two leakage rules report: left to them
    examples: set[int] = set()
    for _, table in training:
        packed = table.column(minhash.INTS)
        prompts.update(map((32).__rrshift__, packed))
        examples.update(map(_HALF.__and__, packed))
    for validation in job.validation:
        table = minhash.Signatures(validation.facts.values_of(CODE))
        if not len(table):
            continue
        candidates: dict[int, set[tuple[int, int]]] = {}  # validation position -> (training file, position)
        for band in range(minhash.BANDS):
            keys = table.band(band)
            for number, (_, train) in enumerate(training):
                first = minhash.first_positions(train.band(band))
                for position in compress(range(len(keys)), map(first.__contains__, keys)):
                    candidates.setdefault(position, set()).add((number, first[keys[position]]))
        packed = table.column(minhash.INTS)
        for position in sorted(candidates):
            if packed[position] >> 32 in prompts or packed[position] & _HALF in examples:
                continue
            signature = table.signature(position)
            # the most similar; of equals, the first (hence the negated file number and position)
            similar, number, other = max(
                (minhash.similarity(training[number][1].signature(other), signature), -number, -other)
                for number, other in candidates[position]
            )
            if similar < threshold:
                continue
            path, train = training[-number]
            where = "the same file" if path == validation.path else path
            yield Finding(
                f"nearly the same as an example of the training file ({where}, line {train.lines[-other]}; "
                f"estimated similarity {similar:.2f}): the model was trained on almost this example, so the "
                "validation loss overstates how it does on new data; keep near-copies on one side of the split",
                line=table.lines[position],
                file=validation.path,
            )
