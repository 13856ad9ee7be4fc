"""A system prompt is a near-identical variant of the file's usual one.

What it does
------------
Flags the examples whose system prompt is a near-identical variant of the file's most used one. A variant
has the same words once case, white space, punctuation and digits are set aside, or, in prompts of at
least ten words, a word or two changed (a typo, an edit), as a SimHash sketch of the words tells. The most
used prompt of such a group must be used by more than ``main-share`` (half) of the group's examples; the
variants' examples are flagged at their lines, naming the main prompt's first line. A group without such a
majority — a template that writes a date or a name into every prompt — is not flagged
(``several-system-prompts`` lists the prompts). A hash and a 64-bit sketch of each example's system prompt
are kept, never its text; the sketch sees words, not their order (of a prompt longer than 1,200
characters, its first and last 600), and may miss an edit in a short prompt.

Why is this bad?
----------------
A near-identical variant is almost always a slip: a typo fixed halfway through labelling, a trailing space
or full stop an export added, a digit-only change. The model is used with one prompt; the examples that
carry another are trained for a prompt nobody will send, and the variants dilute the one that matters.
OpenAI's guide recommends including the prompt that worked best "in every training example".

Example
-------
```jsonl
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a new chain?"}, {"role": "assistant", "content": "$30, fitted."}]}
{"messages": [{"role": "system", "content": "you are spoke, a bicycle shop's assistant"}, {"role": "user", "content": "Do you fix e-bikes?"}, {"role": "assistant", "content": "Yes, most of them."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a tune-up?"}, {"role": "assistant", "content": "$65."}]}
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Price of a new chain?"}, {"role": "assistant", "content": "$30, fitted."}]}
{"messages": [{"role": "system", "content": "You are Spoke, a bicycle shop's assistant."}, {"role": "user", "content": "Do you fix e-bikes?"}, {"role": "assistant", "content": "Yes, most of them."}]}
```
"""

from collections.abc import Iterator

from ftdata import qualityfacts
from ftdata.formats import MESSAGE_FORMATS
from ftdata.qualityfacts import SKETCH, SYSTEM, present
from ftdata.ruleapi import DatasetFacts, Finding, RuleContext
from ftdata.shapes import sketch_distance, sketch_words

CODE = "FT533"
NAME = "system-prompt-variant"
GROUP = "quality"
SEVERITY = "warning"
FORMATS = MESSAGE_FORMATS
# main-share: the main prompt must be used by more than this share of its group's examples (variants
# included) — a slip is a minority; a template that varies in every example has no majority
OPTIONS = {"main-share": 0.5}

MIN_WORDS = 10  # fuzzy matching (a changed word) only for prompts this long: shorter sketches are too noisy
MAX_BITS = 8  # of the sketch's 48: one changed word in ten or more moves fewer in ~90% of cases, unrelated
# prompts of similar length move 14 or more (measured on real system prompts)
MAINS = 16  # the most used prompts tried as a group's main one


collect = qualityfacts.collect  # the system prompt's hash (SYSTEM) and sketch (SKETCH)


def near(a: int, b: int) -> bool:
    """Whether two prompts' sketches are those of near-identical prompts."""
    words_a, words_b = sketch_words(a), sketch_words(b)
    distance = sketch_distance(a, b)
    if distance == 0 and words_a == words_b:
        return True
    return (
        min(words_a, words_b) >= MIN_WORDS
        and abs(words_a - words_b) <= max(1, max(words_a, words_b) // 10)
        and distance <= MAX_BITS
    )


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    collected = dataset.values_of(CODE)
    counts: dict[int, int] = {}
    first: dict[int, int] = {}
    sketches: dict[int, int] = {}
    for line, digest, sketch in present(collected, SYSTEM, SKETCH):
        counts[digest] = counts.get(digest, 0) + 1
        if digest not in first:
            first[digest] = line
            sketches[digest] = sketch
    if len(counts) < 2:
        return
    share = ctx.options["main-share"]
    ranked = sorted(counts, key=lambda digest: (-counts[digest], first[digest]))
    main_of: dict[int, int] = {}  # a variant's hash -> its main prompt's
    grouped: set[int] = set()
    for main in ranked[:MAINS]:
        if main in grouped or counts[main] < 2:
            continue
        sketch = sketches[main]
        variants = [
            digest for digest in ranked if digest != main and digest not in grouped and near(sketch, sketches[digest])
        ]
        if not variants:
            continue
        group_size = counts[main] + sum(counts[digest] for digest in variants)
        grouped.add(main)
        grouped.update(variants)
        if counts[main] <= share * group_size:
            continue
        for digest in variants:
            main_of[digest] = main
    if not main_of:
        return
    for line, digest, sketch in present(collected, SYSTEM, SKETCH):
        if digest not in main_of:
            continue
        main = main_of[digest]
        same_words = sketch == sketches[main]
        how = (
            "the same words, as far as can be told, in another case, spacing, punctuation or digits"
            if same_words
            else "nearly the same words (a word or two changed)"
        )
        yield Finding(
            f"system prompt is a variant of the one at line {first[main]} (used by {counts[main]:,} examples; "
            f"this variant by {counts[digest]:,}, first at line {first[digest]}): {how}; give every example "
            "the same system prompt",
            line=line,
        )
