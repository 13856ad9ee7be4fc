"""Malformed tool definition.

What it does
------------
Flags a ``tools`` value that is not a list, and definitions that are not ``{"type": "function",
"function": {"name": ..., "description"?: ..., "parameters"?: {JSON Schema object}}}``: names must match
``^[a-zA-Z0-9_-]{1,64}$``, a description must be a string, ``parameters`` a JSON Schema of
``"type": "object"``. Legacy ``functions`` entries (``{"name", "description"?, "parameters"?}``) are checked
the same way.

Why is this bad?
----------------
The service rejects the file. Spaces or dots in names and ``parameters`` given as a list of fields are
the usual mistakes.

Example
-------
```jsonl
{"tools": [{"type": "function", "function": {"name": "get weather", "parameters": ["city"]}}], "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```

Use instead
-----------
```jsonl
{"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}], "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"""

import functools
import re
from collections.abc import Iterator
from typing import Any

from ftdata.formats import MESSAGE_FORMATS, excerpt, tools_of
from ftdata.reader import describe_json_type
from ftdata.ruleapi import Example, Finding, RuleContext

CODE = "FT136"
NAME = "invalid-tool-definition"
GROUP = "structure"
SEVERITY = "error"
PLAIN_CHAT_CLEAN = True  # finds nothing in a plain chat example (ftdata.formats.is_plain_chat)
FORMATS = MESSAGE_FORMATS


def check(example: Example, ctx: RuleContext) -> Iterator[Finding]:
    pattern = ctx.target.vocabulary.function_name.value
    described = ctx.target.vocabulary.function_name_rule.value
    path, tools = tools_of(example.data, example.format)
    holder = example.data.get("input") if example.format == "preference" else example.data
    if tools is not None or (isinstance(holder, dict) and "tools" in holder):
        if not isinstance(tools, list):
            yield Finding(f"'tools' is {describe_json_type(tools)}; it must be a list of tool definitions", path=path)
        else:
            for index, tool in enumerate(tools):
                where = f"{path}[{index}]"
                if not isinstance(tool, dict) or tool.get("type") != "function":
                    yield Finding('a tool must be {"type": "function", "function": {...}}', path=where)
                elif not isinstance(tool.get("function"), dict):
                    yield Finding('a tool needs \'function\': {"name": ..., "parameters": ...}', path=where)
                else:
                    yield from _function_problems(tool["function"], f"{where}.function", pattern, described)
    functions = example.data.get("functions")
    if functions is not None and example.format != "preference":
        if not isinstance(functions, list):
            yield Finding(f"'functions' is {describe_json_type(functions)}; it must be a list", path="$.functions")
        else:
            for index, function in enumerate(functions):
                if isinstance(function, dict):
                    yield from _function_problems(function, f"$.functions[{index}]", pattern, described)
                else:
                    yield Finding("a function definition must be an object", path=f"$.functions[{index}]")


def _function_problems(function: dict[str, Any], path: str, pattern: str, described: str) -> Iterator[Finding]:
    name = function.get("name")
    if not isinstance(name, str) or not _compiled(pattern).match(name):
        yield Finding(f"function name {excerpt(name)} must be {described}", path=f"{path}.name")
    if "description" in function and not isinstance(function["description"], str):
        yield Finding("'description' must be a string", path=f"{path}.description")
    if "parameters" in function:
        parameters = function["parameters"]
        if not isinstance(parameters, dict):
            yield Finding(
                f"'parameters' is {describe_json_type(parameters)}; it must be a JSON Schema object "
                'such as {"type": "object", "properties": {...}}',
                path=f"{path}.parameters",
            )
        elif parameters.get("type", "object") != "object":
            yield Finding('\'parameters\' must be a schema of "type": "object"', path=f"{path}.parameters.type")
        elif "properties" in parameters and not isinstance(parameters["properties"], dict):
            yield Finding(
                "'properties' must be an object mapping names to schemas", path=f"{path}.parameters.properties"
            )


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
