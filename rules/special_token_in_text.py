"""Text contains a special token.

What it does
------------
Flags any string in an example that contains a special token of the model's encoding — such as
``<|endoftext|>``, ``<|endofprompt|>``, or (cl100k_base) ``<|fim_prefix|>``, ``<|fim_middle|>``,
``<|fim_suffix|>`` — naming the token and where it is. With no model chosen, the tokens of both
encodings are looked for.

Why is this bad?
----------------
The service rejects the whole file ("message contains an invalid token: <|fim_suffix|>"). These strings
creep in from scraped model output, code datasets prepared for fill-in-the-middle, and chat templates.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Finish: def add(a, b):<|fim_suffix|>"}, {"role": "assistant", "content": "return a + b"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Finish: def add(a, b):"}, {"role": "assistant", "content": "return a + b"}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import strings_in
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT220"
NAME = "special-token-in-text"
GROUP = "content"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    if not example.maybe_special:
        return  # the raw line holds no "<|": the common case costs one byte search in the reader
    tokens = ctx.target.special_tokens
    for path, text, _ in strings_in(example.data):
        if "<|" in text:
            for token in tokens:
                if token in text:
                    yield Finding(
                        f"text contains the special token {token}, which makes the service reject "
                        "the file; remove or rewrite it",
                        path=path,
                    )
