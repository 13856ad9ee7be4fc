"""The file's examples have different system prompts.

What it does
------------
Notes, once per file, that its examples use more than one system prompt. It says how many prompts there
are (the text of the system and developer messages, compared exactly), how many examples use each, the
first line of each and the start of its text (redacted: no secret is quoted), most used first (the first
five), and how many examples have none. A hash of each example's system prompt is kept, and the text of
only the first few distinct prompts of the file.

Why is this bad?
----------------
It may not be: a file that trains several tasks, each with its prompt, is fine. But OpenAI's fine-tuning
guide recommends taking the instructions and prompts that worked best "and including them in every
training example", and the model behaves best with the prompt it was trained on: prompts that changed
while the data was being collected — an edited instruction, an export that filled in a date — split the
examples between prompts that nobody will use at inference. This note shows what the file has, so you can
check that each prompt is meant (near-identical ones are flagged by ``system-prompt-variant``, examples
without one by ``missing-system-message``).

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "system", "content": "You answer in French."}, {"role": "user", "content": "Price of a new chain?"}, {"role": "assistant", "content": "30 dollars."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a new chain?"}, {"role": "assistant", "content": "$30, fitted."}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.formats import MESSAGE_FORMATS
from ftdata.qualityfacts import SYSTEM, present
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext
from ftdata.shapes import system_prompt, system_prompt_facts

CODE = "FT531"
NAME = "several-system-prompts"
GROUP = "quality"
SEVERITY = "info"
FORMATS = MESSAGE_FORMATS

SHOWN = 5  # prompts named in the note, most used first


collect = qualityfacts.collect  # the hash of the example's system prompt (SYSTEM)


def sample(example: Example, ctx: RuleContext) -> tuple[int, str] | None:
    """The system prompt's text, to quote, under the hash ``collect`` keeps (the engine keeps the first few)."""
    found = system_prompt_facts(example)
    text = system_prompt(example)
    return None if found is None or text is None else (qualityfacts.word(found[0]), text)


QUOTED = 60  # characters of each prompt quoted in the note


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    counts: dict[int, int] = {}
    first: dict[int, int] = {}
    for line, digest in present(dataset.values_of(CODE), SYSTEM):
        counts[digest] = counts.get(digest, 0) + 1
        first.setdefault(digest, line)
    if len(counts) < 2:
        return
    ranked = sorted(counts, key=lambda digest: (-counts[digest], first[digest]))
    texts = dataset.samples_of(CODE)

    def quoted(digest: int) -> str:
        kept = texts.get(digest)
        if kept is None:
            return ""
        text = kept[1] if len(kept[1]) <= QUOTED else kept[1][: QUOTED - 1].rstrip() + "…"
        return f' "{text}"'

    parts = [
        f"{counts[digest]:,} example{'s' if counts[digest] != 1 else ''} (first at line {first[digest]}"
        f"{quoted(digest)})"
        for digest in ranked[:SHOWN]
    ]
    rest = ranked[SHOWN:]
    if rest:
        parts.append(f"{len(rest):,} more ({sum(counts[digest] for digest in rest):,} examples)")
    without = dataset.examples - sum(counts.values())
    none = f"; {without:,} example{'s' if without != 1 else ''} without one" if without else ""
    yield Finding(
        f"{len(counts):,} different system prompts in this file: {', '.join(parts)}{none}; the model works "
        "best with the prompt it was trained on, so check that each is meant (one prompt per task)"
    )
