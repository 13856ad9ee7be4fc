"""Tool message that answers no call.

What it does
------------
Flags a ``tool`` message without a ``tool_call_id``, or whose id matches no call made earlier in the
conversation, and a legacy ``function`` message with no earlier ``function_call`` of that name.

Why is this bad?
----------------
The service rejects examples whose tool results answer nothing; and a result out of its place teaches
the model a conversation that cannot happen. Usually ids were regenerated on one side only.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "call_9", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}
```
"""

from collections.abc import Iterator

from ftdata.formats import MESSAGE_FORMATS, excerpt, message_lists
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT134"
NAME = "unexpected-tool-message"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    for base, messages in message_lists(example.data, example.format):
        call_ids: set[str] = set()
        function_calls: set[str] = set()
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            path = f"{base}[{index}]"
            role = message.get("role")
            if role == "tool":
                answer = message.get("tool_call_id")
                if not isinstance(answer, str) or not answer:
                    yield Finding("tool message needs the 'tool_call_id' of the call it answers", path=path)
                elif answer not in call_ids:
                    yield Finding(
                        f"tool_call_id {excerpt(answer)} answers no earlier tool call", path=f"{path}.tool_call_id"
                    )
            elif role == "function" and not (
                isinstance(message.get("name"), str) and message["name"] in function_calls
            ):
                yield Finding("function message answers no earlier function_call of that name", path=path)
            calls = message.get("tool_calls")
            for call in calls if isinstance(calls, list) else ():
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    call_ids.add(call["id"])
            function_call = message.get("function_call")
            if isinstance(function_call, dict) and isinstance(function_call.get("name"), str):
                function_calls.add(function_call["name"])
