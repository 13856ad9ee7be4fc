"""Text holds an email address.

What it does
------------
Flags a string anywhere in an example that holds an email address. Addresses that are nobody's are left
alone: domains reserved for documentation (``example.com``, ``example.org``, ``.test``, ``.invalid``,
``.example``, ``.localhost``; RFC 2606), placeholder names and domains (``user@``, ``john.doe@``,
``yourcompany.com``), ``git@`` remotes, and file names such as ``logo@2x.png``. One problem per example, at
the first address found; the message shows only its first characters.

Why is this bad?
----------------
An email address is personal data: a model trained on it may repeat it to other users, and the file that
holds it falls under data-protection rules. Replace real addresses with placeholders.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Send the invoice to maria.gonzalez@fastmail.fm"}, {"role": "assistant", "content": "Sent."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Send the invoice to customer@example.com"}, {"role": "assistant", "content": "Sent."}]}
```
"""

from collections.abc import Iterable

from ftdata import secrets
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT503"
NAME = "email-in-text"
GROUP = "quality"
SEVERITY = "warning"
PLAIN_CHAT_CLEAN = False  # a plain chat example may hold an address in its text


def check(example: Example, ctx: RuleContext) -> Iterable[Finding]:
    # A function returning (), not a generator: less to do on the many clean records.
    if b"@" not in secrets.example_bytes(example):
        return ()  # nearly every record: one character search in its text, shared with the other FT50x rules
    return [
        Finding(
            f"{hit.where} holds an email address ({hit.masked}): personal data the model may learn and repeat; "
            "remove or replace it with a placeholder such as customer@example.com",
            path=hit.path,
        )
        for hit in secrets.first_hits(example.data, secrets.find_emails)
    ]
