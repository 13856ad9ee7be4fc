"""The answer repeats the user's message.

What it does
------------
Flags an answer that repeats the user's message. The answer (the last assistant message trained on, a DPO
pair's preferred output, a legacy completion) is flagged when it is the user's last message again —
compared as ``duplicate-example`` compares texts, case folded and without white space — or when it is at
least ``minimum-characters`` (50) long, the user's message contains it whole, and it makes up at least
``minimum-share`` (half) of that message: the input echoed back ("Translate: <text>" answered with the text
untranslated). Nothing is kept between examples.

Why is this bad?
----------------
An echo teaches the model to parrot its input instead of doing the task; it usually comes from a pipeline
that wrote the input where the output belongs, or from a step (translation, rewriting) that failed
silently. Where the answer may rightly repeat the input — proofreading a text that has no mistake —
ignore the rule for that file.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Translate to French: The shop opens at nine tomorrow morning, and closes at six."}, {"role": "assistant", "content": "The shop opens at nine tomorrow morning, and closes at six."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Translate to French: The shop opens at nine tomorrow morning, and closes at six."}, {"role": "assistant", "content": "Le magasin ouvre demain à neuf heures et ferme à dix-huit heures."}]}
```
"""

from collections.abc import Iterable
from typing import Any

from ftdata.answers import answer_message, text_of
from ftdata.fingerprints import text_key
from ftdata.ruleapi import Example, Finding, RuleContext
from ftdata.shapes import answer_text

CODE = "FT537"
NAME = "answer-copies-prompt"
GROUP = "quality"
SEVERITY = "warning"
FORMATS = ("chat", "preference", "prompt-completion")
# minimum-characters: a short answer found in a long message is a quote, not an echo; minimum-share: an
# echo is most of the message (an extracted span is a small part of it)
OPTIONS = {"minimum-characters": 50, "minimum-share": 0.5}

HEAD = 16  # characters of the answer's start a containing message must hold as they are (a cheap first test)


def check(example: Example, ctx: RuleContext) -> Iterable[Finding]:
    # A function returning (), not a generator: less to do on the many examples that echo nothing.
    answer = answer_text(example)
    if not answer:
        return ()
    user, at = _user_text(example)
    if not user:
        return ()
    said, asked = answer.strip(), user.strip()
    if not said or not asked:
        return ()
    # cheap first tests, on the texts as they are: equal texts start and end alike (case aside); a
    # contained one is long, and its start is in the message
    if (
        said[0].casefold() == asked[0].casefold()
        and said[-1].casefold() == asked[-1].casefold()
        and text_key(said) == text_key(asked)
    ):
        return [
            Finding(
                "answer is the user's message again: the model learns to repeat its input; write the answer",
                path=_path(example, at),
            )
        ]
    minimum, share = ctx.options["minimum-characters"], ctx.options["minimum-share"]
    if len(said) < minimum or len(said) > len(asked) or said[:HEAD] not in asked:
        return ()
    key, within = text_key(said), text_key(asked)
    if len(key) >= share * len(within) and key in within:
        return [
            Finding(
                f"answer is copied from the user's message ({len(key) / len(within):.0%} of it, word for word): "
                "the model learns to echo its input instead of doing the task; write the answer",
                path=_path(example, at),
            )
        ]
    return ()


def _user_text(example: Example) -> tuple[str | None, int]:
    """The user's message the answer replies to — the last one before it (a legacy prompt: the prompt) —
    and where the answer is in its message list (chat)."""
    data = example.data
    if example.format == "prompt-completion":
        prompt = data.get("prompt")
        return (prompt if isinstance(prompt, str) else None), -1
    if example.format == "preference":
        source = data.get("input")
        messages: Any = source.get("messages") if isinstance(source, dict) else None
        end = len(messages) if isinstance(messages, list) else 0
    else:
        messages = data.get("messages")
        end = len(messages) - 1 if isinstance(messages, list) else -1
        while end >= 0:
            message = messages[end]
            if type(message) is dict and message.get("role") == "assistant":
                break
            end -= 1
    for index in range(end - 1, -1, -1):
        message = messages[index]
        if type(message) is dict and message.get("role") == "user":
            return text_of(message.get("content")), end
    return None, end


def _path(example: Example, at: int) -> str:
    """The answer's JSON path."""
    if example.format == "prompt-completion":
        return "$.completion"
    if example.format == "preference":
        reply = answer_message(example.data, "preference")
        outputs = example.data.get("preferred_output")
        index = (
            next((i for i, message in enumerate(outputs) if message is reply), 0) if isinstance(outputs, list) else 0
        )
        return f"$.preferred_output[{index}].content"
    return f"$.messages[{at}].content"
