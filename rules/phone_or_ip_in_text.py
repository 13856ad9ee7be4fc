"""Text holds a phone number or an IP address (opt-in).

What it does
------------
Flags, when switched on, a string anywhere in an example that holds a phone number or a public IP address. The
rule finds nothing unless its option ``enabled`` is ``true`` (in ``[tool.ftdata]``: ``options =
{phone-or-ip-in-text = {enabled = true}}``). Phone numbers are international (``+44 20 7946 0958``) or North
American (``(415) 555-0100``, ``415-555-0100``); IP addresses are IPv4 or IPv6, and private, loopback and
documentation addresses such as ``192.168.0.1`` and ``203.0.113.7`` are left alone. One problem per kind per
example, at the first found; the message shows only the first characters.

Why is this bad?
----------------
Phone numbers and IP addresses can identify a person. They are off by default because numbers of that shape
(order numbers, version strings, server addresses in technical answers) are common in good data; switch the
rule on for data collected from real users.

Example
-------
```jsonl options={"phone-or-ip-in-text":{"enabled":true}}
{"messages": [{"role": "user", "content": "Call me back on +44 20 7946 0958"}, {"role": "assistant", "content": "Will do."}]}
```

Use instead
-----------
```jsonl options={"phone-or-ip-in-text":{"enabled":true}}
{"messages": [{"role": "user", "content": "Call me back on [PHONE]"}, {"role": "assistant", "content": "Will do."}]}
```
"""

from collections.abc import Iterable

from ftdata import secrets
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT504"
NAME = "phone-or-ip-in-text"
GROUP = "quality"
SEVERITY = "warning"
OPTIONS = {"enabled": False}
PLAIN_CHAT_CLEAN = False  # a plain chat example may hold a phone number in its text


def check(example: Example, ctx: RuleContext) -> Iterable[Finding]:
    # A function returning (), not a generator: less to do on the many clean records.
    if not ctx.options["enabled"]:
        return ()
    return [
        Finding(
            f"{hit.where} holds {'an' if hit.kind[0] == 'I' else 'a'} {hit.kind} ({hit.masked}): personal data "
            "the model may learn and repeat; remove or replace it with a placeholder",
            path=hit.path,
        )
        for hit in secrets.first_hits(example.data, secrets.find_phones_and_ips)
    ]
