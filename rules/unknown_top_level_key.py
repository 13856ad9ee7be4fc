r"""Unknown top-level key.

What it does
------------
Flags a key the service does not accept at the top level of an example, or in a DPO pair's input.

A chat example takes ``messages``, ``tools``, ``parallel_tool_calls`` and ``functions``; a DPO pair ``input``,
``preferred_output`` and ``non_preferred_output`` (and its ``input`` takes ``messages``, ``tools`` and
``parallel_tool_calls``); a prompt/completion example ``prompt`` and ``completion``. (In an RFT file
every other key is free data for graders, so this rule does not apply.)

Why is this bad?
----------------
The service rejects the file ("Invalid file format. Example 1 contains an extra \"weight\"."). Metadata
such as ids or sources belongs in a separate file; ``weight`` belongs on an assistant message.

Example
-------
```jsonl
{"id": "conv-17", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import FORMAT_NAMES, excerpt, key_path
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT110"
NAME = "unknown-top-level-key"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = ("chat", "preference", "prompt-completion")


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    vocabulary = ctx.target.vocabulary
    allowed = vocabulary.top_level_keys(example.format) or ()
    for key in example.data:
        if key in allowed:
            continue
        if key == "weight":
            hint = "; 'weight' goes on an assistant message, not on the example"
        else:
            hint = f"; a {FORMAT_NAMES[example.format]} example takes {', '.join(sorted(allowed))}"
        yield Finding(
            f"example has key {excerpt(key)}, which the service does not accept{hint}", path=key_path("$", key)
        )
    source = example.data.get("input")
    if example.format == "preference" and isinstance(source, dict):
        for key in source:
            if key not in vocabulary.preference_input_keys.value:
                yield Finding(
                    f"'input' has key {excerpt(key)}, which the service does not accept; it takes "
                    f"{', '.join(sorted(vocabulary.preference_input_keys.value))}",
                    path=key_path("$.input", key),
                )
