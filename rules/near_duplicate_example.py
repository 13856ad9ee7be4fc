"""Examples that are nearly the same (opt-in).

What it does
------------
Flags, when switched on, every example of a group of near-duplicates but the first, at its line, naming the
group's first line and the estimated similarity. Examples are compared by the text of their user and
assistant messages (a DPO pair's input and both outputs; a prompt and completion), never the system prompt:
the text is cut into words (case, punctuation and white space aside; one character a word in Chinese,
Japanese or Thai), and two examples are as similar as the share of their runs of three words that they
have in common (Jaccard index), estimated from a 64-byte sketch of each example (MinHash; ``ftdata.minhash``)
to within about 0.04. Examples at least 0.8 similar (option ``threshold``) are near-duplicates: one word
changed in 30 words, or two in 60, while different examples on one subject rarely pass 0.5 (the bundled
500 clean examples: 0.33 at most). Examples of fewer than 20 words (option ``minimum-words``) are left out:
in so few words one changed word already drops the similarity below 0.75, and short questions that differ
by a word are usually different questions. Copies that differ only in case, white space or the system
prompt are left to ``duplicate-example`` and ``duplicate-but-system-prompt``.

The rule finds nothing unless ``ftdata lint --deep`` (or ``report --deep``) runs the slow checks, or its
option ``enabled`` is ``true`` (in ``[tool.ftdata]``: ``options = {near-duplicate-example = {enabled =
true}}``): sketching every example costs about 80 µs an example, which
makes ``ftdata lint`` some 70% slower on a large file.

Why is this bad?
----------------
The fine-tuning guide asks for "a diverse set of demonstration conversations": a near-duplicate teaches
the model nothing its twin does not, and counts twice — a few over-represented examples pull the model
towards their wording, and they cost tokens. They come from templates filled with one value changed,
paraphrases made by a script, and the same conversation exported twice with a small edit. Keep one of each
group, or make them differ in what they teach.

Example
-------
```jsonl options={"near-duplicate-example":{"enabled":true}}
{"messages": [{"role": "user", "content": "My rear brake squeals loudly every time I stop on wet roads, even after I cleaned the rim. What should I do?"}, {"role": "assistant", "content": "Squealing on wet rims usually means worn or glazed pads. Replace the pads, sand the rim lightly and toe the pads in; bring it in and we fit new pads for $15."}]}
{"messages": [{"role": "user", "content": "My front brake squeals loudly every time I stop on wet roads, even after I cleaned the rim. What should I do?"}, {"role": "assistant", "content": "Squealing on wet rims usually means worn or glazed pads. Replace the pads, sand the rim lightly and toe the pads in; bring it in and we fit new pads for $15."}]}
```

Use instead
-----------
```jsonl options={"near-duplicate-example":{"enabled":true}}
{"messages": [{"role": "user", "content": "My rear brake squeals loudly every time I stop on wet roads, even after I cleaned the rim. What should I do?"}, {"role": "assistant", "content": "Squealing on wet rims usually means worn or glazed pads. Replace the pads, sand the rim lightly and toe the pads in; bring it in and we fit new pads for $15."}]}
{"messages": [{"role": "user", "content": "My front disc brake rubs on every turn of the wheel since I had a new tyre fitted last week. Can I fix that myself?"}, {"role": "assistant", "content": "Usually the wheel is not seated straight. Loosen the axle, push the wheel fully into the dropouts and tighten it again; if it still rubs, the caliper needs centring, a five-minute job at our counter."}]}
```
"""

from collections.abc import Iterator

from ftdata import minhash
from ftdata.fingerprints import fingerprint
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext

CODE = "FT516"
NAME = "near-duplicate-example"
GROUP = "quality"
SEVERITY = "warning"
DEEP = True
OPTIONS = {"enabled": False, "threshold": 0.8, "minimum-words": 20}
PLAIN_CHAT_CLEAN = False  # plain chat examples are what it compares

REPRESENTATIVES = 32  # of a band's colliding examples, each is verified against at most this many earlier ones


def collect(example: Example, ctx: RuleContext) -> tuple[int, ...] | None:
    """The example's sketch (8 ints) and its hash without the system prompt (copies are duplicate-example's
    and duplicate-but-system-prompt's): 72 bytes; None when off or for a short example."""
    found = minhash.compared(example, ctx.options)
    if found is None:
        return None
    prints = fingerprint(example)
    return (*found.signature, prints.exact if prints.without_system is None else prints.without_system)


def finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterator[Finding]:
    values = dataset.values_of(CODE)
    if len(values) < 2:
        return
    threshold = ctx.options["threshold"]
    table = minhash.Signatures(values)
    # one example of each set of copies (the same hash without the system prompt): the first
    kept = sorted(minhash.first_positions(table.column(minhash.INTS)).values())
    parent = {position: position for position in kept}

    def root(position: int) -> int:
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    partner: dict[int, tuple[float, int]] = {}  # example -> its most similar near-duplicate found, and how similar
    everyone = len(kept) == len(table)
    for band in range(minhash.BANDS):
        keys = table.band(band)
        for group in minhash.colliding(keys if everyone else list(map(keys.__getitem__, kept))):
            representatives: list[int] = []
            for member in (kept[index] for index in group):
                signature = table.signature(member)
                for other in representatives[-REPRESENTATIVES:]:
                    similar = minhash.similarity(table.signature(other), signature)
                    if similar >= threshold:
                        parent[root(member)] = root(other)
                        for one, two in ((member, other), (other, member)):
                            if similar > partner.get(one, (-1.0, 0))[0]:
                                partner[one] = (similar, two)
                        break
                else:
                    representatives.append(member)
    groups: dict[int, list[int]] = {}
    for position in partner:
        groups.setdefault(root(position), []).append(position)
    lines = table.lines
    found: list[Finding] = []
    for members in groups.values():
        members.sort()
        start = members[0]
        for member in members[1:]:
            similar = minhash.similarity(table.signature(start), table.signature(member))
            if similar >= threshold:
                where = f"line {lines[start]} (estimated similarity {similar:.2f})"
            else:  # similar to the group through another of its examples
                similar, other = partner[member]
                where = (
                    f"line {lines[other]} (estimated similarity {similar:.2f}), in the group from line {lines[start]}"
                )
            found.append(
                Finding(
                    f"nearly the same as {where}: {len(members)} near-duplicates in this file, which over-weight "
                    "one example as copies do; keep one, or make them differ",
                    line=lines[member],
                )
            )
    yield from sorted(found, key=lambda finding: finding.line or 0)
