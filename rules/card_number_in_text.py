"""Text holds a payment card number.

What it does
------------
Flags a string anywhere in an example that holds a payment card number: 13 to 19 digits, in a row or in
groups separated by single spaces or dashes, with the issuer prefix and length of a known brand (Visa,
Mastercard, American Express, Discover, Diners Club, JCB, UnionPay, Maestro) and a valid Luhn check digit. One
problem per example, at the first number found; the message shows only its first digits, and says when it is a
well-known test number (``4111 1111 1111 1111``), which is flagged all the same.

Why is this bad?
----------------
Card numbers are payment data that must not be stored, let alone taught to a model that may repeat them. Even
test numbers teach the model to write card numbers back to users.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Charge my card 4111 1111 1111 1111, please."}, {"role": "assistant", "content": "Done."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Charge my card [CARD NUMBER], please."}, {"role": "assistant", "content": "Done."}]}
```
"""

from collections.abc import Iterable

from ftdata import secrets
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT502"
NAME = "card-number-in-text"
GROUP = "quality"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = False  # a plain chat example may hold a card number in its text


def check(example: Example, ctx: RuleContext) -> Iterable[Finding]:
    # A function returning (), not a generator: less to do on the many clean records.
    if not secrets.may_hold_card(secrets.example_bytes(example)):
        return ()  # nearly every record: one cheap test on its text, shared with the other FT50x rules
    return [
        Finding(
            f"{hit.where} holds a payment card number ({hit.note}, {hit.masked}) that passes the Luhn check: "
            "remove or replace it with a placeholder",
            path=hit.path,
        )
        for hit in secrets.first_hits(example.data, secrets.find_cards)
    ]
