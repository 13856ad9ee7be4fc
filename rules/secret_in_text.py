"""Text holds a secret.

What it does
------------
Flags a string anywhere in an example that holds a credential of a known format: an API key, an access token,
a private key or a JSON Web Token. Every string is looked at (message contents and text parts, tool-call
arguments, tool definitions, prompt and completion, preference inputs and outputs, keys too), for API keys of OpenAI (``sk-``, ``sk-proj-``), Anthropic (``sk-ant-api03-``), Google (``AIza``), Hugging
Face (``hf_``), Stripe (``sk_live_``, ``rk_live_``), AWS access key ids (``AKIA``, ``ASIA``), GitHub
(``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``, ``github_pat_``), GitLab (``glpat-``), Slack (``xoxb-``...),
npm and PyPI tokens, private keys (``-----BEGIN ... PRIVATE KEY-----``) and JSON Web Tokens. One problem per
kind per example, at the first place it is found; the message shows only the first characters of the secret.
Placeholders (``sk-xxxx...``, ``AKIAIOSFODNN7EXAMPLE``) and prose (``sk-learn``) are left alone: a key must
have a random-looking body.

Why is this bad?
----------------
A model trained on a secret can repeat it to anyone, and the training file itself is copied to the service,
to colleagues and to backups. The key has been exposed already: remove it from the data and rotate it.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Why does sk-svcacct-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH fail?"}, {"role": "assistant", "content": "It was revoked."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Why does my key <OPENAI_API_KEY> fail?"}, {"role": "assistant", "content": "It was revoked."}]}
```
"""

from collections.abc import Iterable

from ftdata import secrets
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT501"
NAME = "secret-in-text"
GROUP = "quality"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = False  # a plain chat example may hold a secret in its text


def check(example: Example, ctx: RuleContext) -> Iterable[Finding]:
    # A function returning (), not a generator: less to do on the many clean records.
    if not secrets.may_hold_secret(secrets.example_bytes(example)):
        return ()  # nearly every record: one cheap test on its text, shared with the other FT50x rules
    return [
        Finding(
            f"{hit.where} holds {hit.kind} ({hit.masked}): remove or replace it with a placeholder; "
            f"{secrets.secret_fix(hit.kind)}",
            path=hit.path,
        )
        for hit in secrets.first_hits(example.data, secrets.find_secrets)
    ]
